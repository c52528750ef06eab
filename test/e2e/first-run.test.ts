import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { skipSandboxSuite } from '../helpers/bwrap.js';
import { createRunFixture, type RunFixture } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { inSandbox } from '../helpers/sandbox-shell.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';

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
    const screen = tmuxOut('capture-pane', '-p', '-J', '-S', '-200', '-t', pane);
    const start = screen.lastIndexOf(`\nB${id}`);
    const end = screen.lastIndexOf(`\nE${id}`);
    return start >= 0 && end > start ? screen.slice(start + 8, end).trim() : undefined;
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
});
