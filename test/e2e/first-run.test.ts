import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { skipSandboxSuite } from '../helpers/bwrap.js';
import { createRunFixture, hasCommitObject, type RunFixture } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { inSandbox } from '../helpers/sandbox-shell.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';
import { waitForGuardToWatch } from '../helpers/guard.js';

/**
 * What a first run on someone else's repository hit (the trial behind this suite): a library
 * with its manifest at the top, an ignored lockfile, a build script, and new files one session
 * owns. No false block, true states, a way out.
 */

afterEach(killTmuxServer);

const LIBRARY = {
  'package.json': `${JSON.stringify({ name: 'mini', version: '1.0.0', type: 'module', scripts: { build: 'node bin/build.js', test: 'node --test test/' } }, null, 2)}\n`,
  '.gitignore': 'node_modules\n*-lock.*\ndist\n',
  'src/index.js': 'export const clsx = (...xs) => xs.filter(Boolean).join(" ");\n',
  'bin/build.js':
    "import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';\nmkdirSync('dist', { recursive: true });\nwriteFileSync('dist/index.js', readFileSync('src/index.js'));\n",
  'test/index.js':
    "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { clsx } from '../src/index.js';\ntest('clsx', () => assert.equal(clsx('a', 0, 'b'), 'a b'));\n",
  'readme.md': '# mini\n',
};

function library(extra: Record<string, unknown> = {}): RunFixture {
  return createRunFixture(
    {
      lite: { owns: ['src/lite.js', 'test/lite.js'], task: 'Add clsx/lite.', agent: 'shell' },
      build: { owns: ['bin/**', 'package.json'], after: ['lite'], task: 'Build lite too.', agent: 'shell' },
      docs: { owns: ['readme.md'], after: ['lite'], task: 'Document lite.', agent: 'shell' },
    },
    { tmuxSession: 'trial', ...extra },
    LIBRARY,
  );
}

const paneOf = (run: RunFixture, session: string) => run.state().sessions[session]!.pane;

/** Types a command line into a session's pane and returns what it printed between two markers. */
async function typeInPane(run: RunFixture, session: string, command: string): Promise<string> {
  const pane = paneOf(run, session);
  const id = Math.random().toString(36).slice(2, 8);
  tmuxOut('send-keys', '-t', pane, `echo B${id}; ${command}; echo E${id}`, 'Enter');
  return waitFor(`${session}'s pane to run ${command}`, () => {
    // A marker is the line that ends with it, not the typed command that holds it; the shell's
    // prompt may stand before it when the keys arrived before the shell had printed the prompt.
    const lines = tmuxOut('capture-pane', '-p', '-J', '-S', '-200', '-t', pane).split('\n');
    const marker = (tag: string) => lines.findLastIndex((line) => line.endsWith(`${tag}${id}`) && !line.includes(`echo ${tag}${id}`));
    const [start, end] = [marker('B'), marker('E')];
    return start >= 0 && end > start
      ? lines
          .slice(start + 1, end)
          .join('\n')
          .trim()
      : undefined;
  });
}

describe.skipIf(skipSandboxSuite)('a first run on a real library', () => {
  it('1. never makes another session’s files-to-be in a worktree: build sees ENOENT for lite’s src/lite.js, not a folder', async () => {
    const run = library();
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    for (const session of ['build', 'docs']) {
      expect(existsSync(join(run.worktree(session), 'src/lite.js')), session).toBe(false);
      expect(existsSync(join(run.worktree(session), 'test/lite.js')), session).toBe(false);
    }
    const read = await inSandbox(run, 'build', `node -e "try { require('fs').readFileSync('src/lite.js') } catch (e) { console.log(e.code) }"`);
    expect(read.stdout.trim()).toBe('ENOENT');
    // src/ is pinned read-only in build's sandbox (build opened the top for package.json): lite's file-to-be is closed with it.
    expect(run.state().sessions.build!.sandboxNotes?.join('\n') ?? '').not.toContain('src/lite.js');
  });

  it('3. a refused write fails the way the prompt says, whatever tool makes it', async () => {
    const run = library({ shared: ['package-lock.json'] });
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    const prompt = readFileSync(run.state().sessions.lite!.promptFile, 'utf8').replace(/\s+/g, ' ');
    // lite may change src/lite.js: src/ opens, index.js beside it stays closed, by a pin.
    const tried = await inSandbox(
      run,
      'lite',
      [
        'for t in "echo x >> src/index.js" "sed -i s/a/b/ src/index.js" "truncate -s 0 src/index.js" "mv src/index.js src/moved.js" "rm src/index.js" "echo x >> readme.md"; do',
        '  sh -c "$t" 2>&1 | grep -o -e "Read-only file system" -e "Device or resource busy" | head -1',
        'done',
      ].join('\n'),
    );
    const errors = tried.stdout.trim().split('\n');
    expect(errors).toHaveLength(6);
    for (const error of new Set(errors)) expect(prompt).toContain(`"${error}"`);
    expect(readFileSync(join(run.worktree('lite'), 'src/index.js'), 'utf8')).toBe(LIBRARY['src/index.js']);
  });

  it('4. a grant of a top-level file reaches the grantee’s running shell: relative writes, sed -i, git checkout --', async () => {
    // lite owns nothing at the top: its worktree's top is read-only, a mount of its own.
    const run = library();
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    expect(await typeInPane(run, 'lite', '(echo x >> package.json) 2>&1 | grep -o "Read-only file system"')).toBe('Read-only file system');
    const grant = await runParx(['grant', 'package.json', '--to', 'lite'], run.root);
    expect(grant.exitCode, grant.stderr).toBe(0);
    expect(grant.stdout).not.toMatch(/still sees/);
    expect(await typeInPane(run, 'lite', 'echo \'{"name":"x"}\' > package.json && echo ok')).toBe('ok');
    expect(await typeInPane(run, 'lite', 'sed -i s/x/mini/ package.json && echo ok')).toBe('ok');
    expect(await typeInPane(run, 'lite', 'git checkout -- package.json && echo ok')).toBe('ok');
    // Nothing else at the top opened with it.
    expect(await typeInPane(run, 'lite', '(echo x >> readme.md) 2>&1 | grep -o -e "Read-only file system" -e "Device or resource busy"')).toMatch(
      /Read-only file system|Device or resource busy/,
    );
  });

  it('4b. likewise when the top was open already (a shared lockfile): the file’s own pin comes off', async () => {
    const run = library({ shared: ['package-lock.json'] });
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    expect(await typeInPane(run, 'lite', '(sed -i s/mini/x/ package.json) 2>&1 | grep -o "Device or resource busy"')).toBe('Device or resource busy');
    expect((await runParx(['grant', 'package.json', '--to', 'lite'], run.root)).exitCode).toBe(0);
    expect(await typeInPane(run, 'lite', 'echo x >> package.json && sed -i s/mini/x/ package.json && git checkout -- package.json && echo ok')).toBe('ok');
  });

  it('5. integrate says to commit what another session has not, instead of blaming the session merged after it', async () => {
    const run = library({ verify: 'npm run build --silent && npm test --silent' });
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    const build =
      "import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';\nmkdirSync('dist', { recursive: true });\nfor (const f of ['index', 'lite']) writeFileSync(`dist/${f}.js`, readFileSync(`src/${f}.js`));\n";
    expect((await inSandbox(run, 'build', 'printf "%s" "$BUILD" > bin/build.js && git commit -qam "build: lite too"', { BUILD: build })).exitCode).toBe(0);
    // lite has written its module, and not committed it yet.
    expect((await inSandbox(run, 'lite', 'echo "export const lite = 1;" > src/lite.js')).exitCode).toBe(0);
    await waitFor('build’s commit in the shared store', () => hasCommitObject(run, 'parx/build') || undefined);
    const text = await runParx(['integrate'], run.root);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('the failure names src/lite.js, which lite has not committed yet (integrate takes committed work only): commit it in lite');
    expect(text.stdout).not.toContain('fix it on parx/build');
    const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as {
      sessions: Array<{ name: string; integration: { text: string } | null }>;
    };
    expect(status.sessions.find((s) => s.name === 'build')!.integration!.text).toBe("breaks verify at step 1, needing lite's uncommitted src/lite.js");
  });

  it('6. a landed session is landed, with its merge commit, in status, check and --json; the run says when it is finished', async () => {
    const run = library();
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    expect((await inSandbox(run, 'lite', 'echo "export const lite = 1;" > src/lite.js && git add -A && git commit -qm lite')).exitCode).toBe(0);
    await waitFor('lite’s commit in the shared store', () => hasCommitObject(run, 'parx/lite') || undefined);
    expect((await runParx(['down', 'lite'], run.root)).exitCode).toBe(0);
    const merge = run.git('rev-parse', 'main').trim();
    const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as {
      finished: boolean;
      sessions: Array<{ name: string; state: string; landed: unknown; integration: unknown }>;
    };
    expect(status.sessions.find((s) => s.name === 'lite')).toMatchObject({ state: 'landed', landed: { commit: merge }, integration: null });
    expect(status.finished).toBe(false);
    expect((await runParx(['status'], run.root)).stdout).toMatch(/lite\s+—\s+landed [0-9a-f]{9}/);
    expect((await runParx(['check', 'lite'], run.root)).stdout).toContain(`lite  landed as ${merge.slice(0, 9)}`);
    expect((await runParx(['down'], run.root)).exitCode).toBe(0);
    const after = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { finished: boolean; sessions: Array<{ state: string }> };
    expect(after.finished).toBe(true);
    expect(after.sessions.map((s) => s.state)).toEqual(['landed', 'landed', 'landed']);
    const finished = (await runParx(['status'], run.root)).stdout;
    expect(finished).toContain('The run is finished: every session has landed.');
    expect(finished).not.toContain('Conflict forecast');
  });

  it('6b. a shell pane resized by the layout (another pane closed, a client attached) stays waiting: a reflow is not output', async () => {
    const run = library();
    expect((await runParx(['up', '--detach'], run.root, { PARX_SILENCE_SECONDS: '1' })).exitCode).toBe(0);
    const inferred = (session: string) => {
      const file = join(run.root, '.git/parx/states', `${session}.json`);
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { state: string; time: string }) : undefined;
    };
    const waiting = await waitFor('build to wait', () => (inferred('build')?.state === 'waiting' ? inferred('build') : undefined));
    tmuxOut('resize-pane', '-t', paneOf(run, 'build'), '-x', '24');
    // docs prints: once the guard has seen that, it has sampled build's pane after the resize too.
    await waitFor('docs to wait first', () => (inferred('docs')?.state === 'waiting' ? true : undefined));
    tmuxOut('send-keys', '-t', paneOf(run, 'docs'), 'echo typing', 'Enter');
    await waitFor('the guard to see docs print', () => (inferred('docs')?.state === 'working' ? true : undefined));
    expect(inferred('build')).toEqual(waiting);
  });

  it('7. a message for an agent without hooks is kept for you, shown by status and the guard, never queued', async () => {
    const run = library();
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    // (A note kept before the guard starts is listed by status, not announced again.)
    await waitForGuardToWatch(run.root);
    const tell = await runParx(['tell', 'docs', 'the API is now clsx/lite'], run.root);
    expect(tell.exitCode).toBe(1);
    expect(existsSync(join(run.root, '.git/parx/agents/docs/inbox.jsonl')) || existsSync(join(run.root, '.git/parx/inbox/docs.jsonl'))).toBe(false);
    const status = await runParx(['status'], run.root);
    expect(status.stdout).toContain("docs's agent has no hooks to take messages; pass these on in its pane:");
    expect(status.stdout).toContain('the API is now clsx/lite');
    expect(status.stdout).not.toContain('waiting for its next turn boundary');
    const guard = run.state().tmuxSession;
    await waitFor('the guard pane to show it', () => {
      const panes = tmuxOut('list-panes', '-s', '-t', `=${guard}`, '-F', '#{pane_id} #{@parx_role}').split('\n');
      const id = panes.find((p) => p.endsWith(' guard'))!.split(' ')[0]!;
      return (
        tmuxOut('capture-pane', '-p', '-J', '-t', id).includes('for docs (its agent has no hooks; tell it in its pane): the API is now clsx/lite') || undefined
      );
    });
    // down offers a sync only to a dependent a sync would take: docs is dirty.
    expect((await inSandbox(run, 'lite', 'echo "export const lite = 1;" > src/lite.js && git add -A && git commit -qm lite')).exitCode).toBe(0);
    expect((await inSandbox(run, 'docs', 'echo "## lite" >> readme.md')).exitCode).toBe(0);
    await waitFor('lite’s commit in the shared store', () => hasCommitObject(run, 'parx/lite') || undefined);
    const down = await runParx(['down', 'lite'], run.root);
    expect(down.stdout).toContain('docs merges after what landed, and can be synced once it is ready: 1 uncommitted or untracked file(s)');
    expect(down.stdout).not.toMatch(/\(docs[^)]*\): parx sync/);
  });

  it('8. what down will refuse for violations is said by integrate and check, with the way to grant', async () => {
    const run = library();
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    // An honest mistake of the trial: notes at the top, committed (lite owns nothing there, but
    // its top is writable for nothing: it is made from the sandbox-free worktree here).
    run.writeIn('lite', 'LITE.md', 'notes\n');
    run.gitIn('lite', 'add', 'LITE.md');
    run.gitIn('lite', 'commit', '-qm', 'notes');
    const integrate = await runParx(['integrate'], run.root);
    expect(integrate.stdout).toContain('The whole run integrates');
    expect(integrate.stdout).toContain('But `parx down` refuses lite');
    expect(integrate.stdout).toMatch(/lite changed 1 file\(s\) outside what it owns: LITE\.md; `parx down` refuses it .* \(`parx grant <path> --to lite`\)/);
    const check = await runParx(['check'], run.root);
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toContain('parx grant <path> --to <session>');
    expect(check.stdout).toContain('edit its owns: in the config, then run parx up');
  });

  it('9. the whole run, replayed: setup, work in three sandboxed panes, integrate, land, sync, land; no false block, the expected tree, verify green', async () => {
    // As `parx init` sets this library up: the ignored lockfile writable, verify from its scripts.
    const verify = 'npm run build --silent && npm test --silent';
    const run = library({ setup: 'npm install --offline --no-audit --no-fund', writable: ['package-lock.json'], verify });
    // (A shell pane counts as waiting after 1 s of quiet, not 30: sync takes only waiting sessions.)
    const up = await runParx(['up', '--detach'], run.root, { PARX_SILENCE_SECONDS: '1' });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).not.toMatch(/read-only|EROFS|EBUSY/i);
    for (const session of ['lite', 'build', 'docs']) expect(existsSync(join(run.worktree(session), 'package-lock.json')), session).toBe(true);

    // Each command typed into the session's own pane, its sandbox as it runs; content by base64
    // (what a keyboard can type), saves by rename (sed -i, npm pkg) as agents' tools make them.
    const type = async (session: string, command: string) => {
      const out = await typeInPane(run, session, `(${command}) 2>&1; echo "rc=$?"`);
      expect(out, `${session}: ${command}`).toMatch(/rc=0$/);
      expect(out).not.toMatch(/Read-only file system|Device or resource busy|EISDIR/);
      return out;
    };
    const put = (path: string, text: string) => `echo ${Buffer.from(text).toString('base64')} | base64 -d > ${path}`;
    const expected: Record<string, string> = {
      ...LIBRARY,
      'src/lite.js': 'export const clsx = (...xs) => xs.filter((x) => typeof x === "string" && x).join(" ");\n',
      'test/lite.js':
        "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { clsx } from '../src/lite.js';\ntest('lite', () => assert.equal(clsx('a', {}, 'b'), 'a b'));\n",
      'bin/build.js':
        "import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';\nmkdirSync('dist', { recursive: true });\nfor (const f of ['index', 'lite']) writeFileSync(`dist/${f}.js`, readFileSync(`src/${f}.js`));\n",
      'package.json': `${JSON.stringify({ ...JSON.parse(LIBRARY['package.json']), keywords: ['lite'] }, null, 2)}\n`,
      'readme.md': '# mini\n\nAlso as mini/lite: strings only.\n',
    };
    await type(
      'lite',
      `${put('src/lite.js', expected['src/lite.js']!)} && ${put('test/lite.js', expected['test/lite.js']!)} && git add -A && git commit -qm "lite: strings only"`,
    );
    await type('build', `${put('bin/build.js', expected['bin/build.js']!)} && npm pkg set "keywords[]=lite" && git commit -qam "build: lite too"`);
    // build's own build fails the honest way: lite's module is not on its branch yet.
    expect(await typeInPane(run, 'build', 'npm run build --silent 2>&1 | grep -o -e ENOENT -e EISDIR | head -1')).toBe('ENOENT');
    await type('docs', 'sed -i "s|^# mini$|# mini\\n\\nAlso as mini/lite: strings only.|" readme.md && git commit -qam "docs: lite"');
    for (const session of ['lite', 'build', 'docs'])
      await waitFor(`${session}’s commit in the shared store`, () => hasCommitObject(run, `parx/${session}`) || undefined);

    const check = await runParx(['check'], run.root);
    expect(check.exitCode, check.stdout).toBe(0);
    const integrate = await runParx(['integrate'], run.root);
    expect(integrate.exitCode, integrate.stdout).toBe(0);
    expect(integrate.stdout).toContain('The whole run integrates');

    // lite lands first; its dependents are brought up to date, and build's build now passes.
    const first = await runParx(['down', 'lite'], run.root);
    expect(first.exitCode, first.stdout).toBe(0);
    await waitFor('build and docs to wait', async () => {
      const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { sessions: Array<{ name: string; state: string }> };
      return status.sessions.filter((s) => s.state === 'waiting').length === 2 || undefined;
    });
    const sync = await runParx(['sync'], run.root);
    expect(sync.exitCode, sync.stdout).toBe(0);
    await type('build', 'npm run build --silent && ls dist');
    const rest = await runParx(['down'], run.root);
    expect(rest.exitCode, rest.stdout).toBe(0);

    // The expected tree, and nothing else; verify green on it; every session landed.
    const tree = run.git('ls-tree', '-r', '--name-only', 'main').trim().split('\n').sort();
    expect(tree).toEqual(Object.keys({ ...expected, 'parx.config.json': '' }).sort());
    for (const [path, text] of Object.entries(expected)) expect(run.git('show', `main:${path}`), path).toBe(text);
    expect(execFileSync('sh', ['-c', verify], { cwd: run.root, encoding: 'utf8', stdio: 'pipe' })).toContain('pass 2');
    const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { finished: boolean; sessions: Array<{ state: string }> };
    expect(status).toMatchObject({ finished: true, sessions: [{ state: 'landed' }, { state: 'landed' }, { state: 'landed' }] });
    expect(run.events('violation')).toEqual([]);
  });
});
