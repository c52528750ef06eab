import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, type RunFixture } from '../helpers/fixture.js';
import { killGuards, startGuard } from '../helpers/guard.js';
import { PARX_BIN, runParx } from '../helpers/parx.js';
import { killTmuxServer } from '../helpers/tmux.js';

/**
 * An agent that tries to switch its own guard off: its own config, a hook payload that points
 * elsewhere, path tricks, ignore rules. Set-up S: session a owns src/a/**, b owns src/b/**.
 */

afterEach(async () => {
  killGuards();
  await killTmuxServer();
});

async function setUpS(extraFiles: Record<string, string> = {}): Promise<RunFixture> {
  const run = createRunFixture(
    { a: { owns: ['src/a/**'], task: 'Wait.' }, b: { owns: ['src/b/**'], task: 'Wait.' } },
    { agent: 'shell' },
    { 'src/a/x.ts': 'a\n', 'src/b/y.ts': 'b\n', ...extraFiles },
  );
  const up = await runParx(['up', '--detach'], run.root);
  expect(up.exitCode, up.stderr).toBe(0);
  return run;
}

/**
 * The probe: a payload fed to `parx hook check-write` for session a, with the run in its argv as
 * `parx up` writes it (and PARX_SESSION set, as an older parx read the session from there).
 */
async function probe(run: RunFixture, payload: object, cwd = run.worktree('a')) {
  const args = ['hook', 'check-write', '--common-dir', join(run.root, '.git'), '--session', 'a'];
  const result = await execa(process.execPath, [PARX_BIN, ...args], { cwd, env: { PARX_SESSION: 'a' }, input: JSON.stringify(payload), reject: false });
  return { exitCode: result.exitCode, stderr: result.stderr };
}
const write = (file: string, cwd?: string) => ({
  hook_event_name: 'PreToolUse',
  tool_name: 'Write',
  tool_input: { file_path: file, content: 'x' },
  ...(cwd ? { cwd } : {}),
});
const patch = (body: string, cwd: string) => ({
  hook_event_name: 'PreToolUse',
  tool_name: 'apply_patch',
  cwd,
  tool_input: { command: `*** Begin Patch\n${body}\n*** End Patch` },
});

function writeIn(run: RunFixture, session: string, path: string, text = 'x\n'): void {
  const file = join(run.worktree(session), path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd });

describe('a session cannot switch its own guard off', () => {
  it('parx decides from the run’s config, never from a config file in a session’s worktree', async () => {
    const run = await setUpS();
    const wt = run.worktree('a');
    const marker = join(run.parent, 'verify-ran');
    // A committed config that gives session a everything, with a verify of its choosing.
    writeFileSync(
      join(wt, '.parxrc.json'),
      JSON.stringify({ agent: 'shell', verify: `touch '${marker}'`, sessions: { a: { owns: ['**'], task: 't' }, b: { owns: ['src/b/**'], task: 't' } } }),
    );
    writeIn(run, 'a', 'src/b/y.ts', 'taken over\n');
    await git(wt, 'add', '-A');
    await git(wt, 'commit', '-qm', 'a takes over');

    const check = await runParx(['check', '--json'], wt);
    expect(check.exitCode).toBe(1);
    const a = (JSON.parse(check.stdout) as { sessions: Array<{ name: string; violations: Array<{ path: string; kind: string }> }> }).sessions.find(
      (s) => s.name === 'a',
    )!;
    // The config file itself is just a file the session changed, outside what it owns.
    expect(a.violations.map((v) => [v.path, v.kind])).toEqual([
      ['.parxrc.json', 'outside'],
      ['src/b/y.ts', 'trespass'],
    ]);

    const down = await runParx(['down', 'a'], wt);
    expect(down.exitCode).toBe(1);
    expect(down.stdout).toContain('refused');
    expect(existsSync(marker)).toBe(false);
    expect(run.git('log', '-1', '--format=%s', 'main').trim()).toBe('add parx config');
  });

  it('keeps the run’s config when the main worktree’s file changes, and says so until `up` applies it', async () => {
    const run = await setUpS();
    const config = JSON.parse(run.read('parx.config.json'));
    config.sessions.a.owns = ['src/a/**', 'notes/**'];
    run.write('parx.config.json', JSON.stringify(config));
    writeIn(run, 'a', 'notes/plan.md', 'a plans\n');
    const check = await runParx(['check', 'a'], run.root);
    expect(check.exitCode).toBe(1); // still judged by the run's config
    expect(check.stderr).toContain('parx.config.json has changed since `parx up`; this run keeps the configuration it started with');
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    const after = await runParx(['check', 'a'], run.root);
    expect(after).toMatchObject({ exitCode: 0, stderr: '' });
  });

  it('finds the run from its command line, not from the payload’s cwd, and never allows writing .git', async () => {
    const run = await setUpS();
    const wt = run.worktree('a');
    const foreign = join(wt, 'src/b/y.ts');
    // A cwd outside the repository, or in a nested repository, used to find no policy: allow all.
    expect((await probe(run, write(foreign, '/tmp'))).exitCode).toBe(2);
    mkdirSync(join(wt, 'src/a/nested'), { recursive: true });
    await git(join(wt, 'src/a/nested'), 'init', '-q');
    expect((await probe(run, write(foreign, join(wt, 'src/a/nested')), join(wt, 'src/a/nested'))).exitCode).toBe(2);
    // Re-pointing the worktree's .git (or anything under a .git) would switch the hook off.
    const dotGit = await probe(run, write(join(wt, '.git')));
    expect(dotGit.exitCode).toBe(2);
    expect(dotGit.stderr).toContain("git's own data");
    expect((await probe(run, write(join(run.root, '.git/parx/hooks/policy.json')))).exitCode).toBe(2);
    expect((await probe(run, write(join(wt, 'src/a/nested/.git/config')))).exitCode).toBe(2);
    // What it owns stays allowed.
    expect(await probe(run, write(join(wt, 'src/a/new.ts')))).toEqual({ exitCode: 0, stderr: '' });
  });

  it('resolves every target through symlinks, tests containment by segments and reads patches as Codex does', async () => {
    const run = await setUpS();
    const wt = run.worktree('a');
    // `..notes.md` is in the worktree (no session owns it), not outside the repository.
    expect((await probe(run, write(join(wt, '..notes.md')))).stderr).toContain('..notes.md is outside what session "a" owns');
    // A symlink in the session's tree that leads into b's folder.
    mkdirSync(join(wt, 'docs'));
    symlinkSync('../src/b', join(wt, 'docs/link'));
    const viaLink = await probe(run, patch('*** Update File: docs/link/y.ts\n@@\n-b\n+evil', wt), wt);
    expect(viaLink.exitCode).toBe(2);
    expect(viaLink.stderr).toContain('src/b/y.ts belongs to session "b"');
    // A dangling link whose target would be created in b's folder.
    symlinkSync('../src/b/new.ts', join(wt, 'docs/dangling.ts'));
    expect((await probe(run, write(join(wt, 'docs/dangling.ts')))).stderr).toContain('src/b/new.ts belongs to session "b"');
    // Codex accepts indented headers.
    expect((await probe(run, patch('  *** Update File: src/b/y.ts\n@@\n-b\n+evil', wt), wt)).exitCode).toBe(2);
  });

  it('ignore rules do not open tracked files, another session’s dependency folder, or git’s ignore sources', async () => {
    const run = await setUpS({ '.gitignore': '*.gen.ts\n/node_modules/\n', 'src/b/api.gen.ts': 'generated\n' });
    run.git('add', '-f', 'src/b/api.gen.ts');
    run.git('commit', '-qm', 'track a generated file');
    const wt = run.worktree('a');
    await git(wt, 'merge', '-q', '--ff-only', 'main');

    expect((await probe(run, write(join(wt, 'src/b/api.gen.ts')))).stderr).toContain('belongs to session "b"');
    expect(await probe(run, write(join(wt, 'src/a/local.gen.ts')))).toEqual({ exitCode: 0, stderr: '' }); // ignored and untracked
    expect((await probe(run, write(join(wt, 'src/b/node_modules/evil.js')))).stderr).toContain('belongs to session "b"');
    expect(await probe(run, write(join(wt, 'node_modules/left-pad/index.js')))).toEqual({ exitCode: 0, stderr: '' });
    const ignoreFile = join(process.env.XDG_CONFIG_HOME!, 'git', 'ignore');
    expect((await probe(run, write(ignoreFile))).stderr).toContain('configures git');

    // The guard and check agree: a tracked file is judged whatever the ignore rules say.
    const guard = await startGuard(run.root);
    writeIn(run, 'a', 'src/b/api.gen.ts', 'changed by a\n');
    writeIn(run, 'a', 'src/b/node_modules/evil.js');
    await guard.waitForEvent('the tracked, ignored file', (e) => e.type === 'violation' && e.path === 'src/b/api.gen.ts');
    await guard.waitForEvent('the nested node_modules', (e) => e.type === 'violation' && e.path === 'src/b/node_modules/evil.js');

    // An agent that rewrites git's user-wide ignore file cannot hide b's folder from check.
    mkdirSync(dirname(ignoreFile), { recursive: true });
    writeFileSync(ignoreFile, 'src/b/\n');
    writeIn(run, 'a', 'src/b/hidden.ts');
    const check = JSON.parse((await runParx(['check', 'a', '--json'], run.root)).stdout) as { sessions: Array<{ violations: Array<{ path: string }> }> };
    expect(check.sessions[0]!.violations.map((v) => v.path)).toEqual(['src/b/api.gen.ts', 'src/b/hidden.ts', 'src/b/node_modules/evil.js']);
    expect(readFileSync(join(wt, 'src/b/api.gen.ts'), 'utf8')).toBe('changed by a\n');
  });
});
