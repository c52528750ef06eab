import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, type RunFixture } from '../helpers/fixture.js';
import { runParx } from '../helpers/parx.js';
import { hasTmuxSession, killTmuxServer } from '../helpers/tmux.js';

afterEach(killTmuxServer);

const which = (program: string) => execFileSync('sh', ['-c', 'command -v "$1"', 'sh', program], { encoding: 'utf8' }).trim();

/** A PATH holding only the named programs (symlinked), plus any fake scripts given. */
function restrictedPath(programs: string[], fakes: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'parx-path-'));
  for (const p of programs) symlinkSync(which(p), join(dir, p));
  for (const [name, script] of Object.entries(fakes)) {
    writeFileSync(join(dir, name), script);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

const fixture = (extra: Record<string, unknown> = {}) =>
  createRunFixture({ auth: { owns: ['src/auth/**'], task: 't' }, web: { owns: ['src/web/**'], task: 't' } }, extra);

function setConfig(run: RunFixture, change: (config: Record<string, unknown>) => void) {
  const config = JSON.parse(run.read('parx.config.json'));
  change(config);
  run.write('parx.config.json', JSON.stringify(config));
}

function expectNothingCreated(run: RunFixture) {
  expect(run.git('for-each-ref', 'refs/heads/parx/').trim()).toBe('');
  expect(run.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
  expect(existsSync(join(run.root, '.git', 'parx', 'state.json'))).toBe(false);
  expect(hasTmuxSession('parx-repo')).toBe(false);
}

describe('parx up refuses with one line and exit 2, creating nothing, when', () => {
  it('the folder is not a git repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parx-nogit-'));
    writeFileSync(join(dir, 'parx.config.yaml'), 'sessions: {a: {owns: [x], task: t}}\n');
    const result = await runParx(['up', '--detach'], dir);
    expect(result).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^parx: not a git repository/) });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('tmux is missing', async () => {
    const run = fixture();
    const result = await runParx(['up', '--detach'], run.root, { PATH: restrictedPath(['git', 'env', 'sh', 'node']) });
    expect(result).toMatchObject({ exitCode: 2, stderr: 'parx: tmux is not installed (parx needs tmux ≥ 3.2)' });
    expectNothingCreated(run);
  });

  it('git is older than 2.38', async () => {
    const run = fixture();
    const realGit = which('git');
    const fakeGit = `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "git version 2.30.2"; exit 0; fi\nexec '${realGit}' "$@"\n`;
    const path = `${restrictedPath([], { git: fakeGit })}:${process.env.PATH}`;
    const result = await runParx(['up', '--detach'], run.root, { PATH: path });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^parx: git 2\.30 is too old: parx needs git ≥ 2\.38/);
    expectNothingCreated(run);
  });

  it('the base branch does not exist', async () => {
    const run = fixture({ base: 'develop' });
    const result = await runParx(['up', '--detach'], run.root);
    expect(result).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('base branch "develop" does not exist') });
    expectNothingCreated(run);
  });

  it('worktreeDir cannot be written', async () => {
    // Under a regular file: not writable even for root, who ignores permission bits.
    const run = fixture({ worktreeDir: 'README.md/worktrees' });
    const result = await runParx(['up', '--detach'], run.root);
    expect(result).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/worktreeDir .*README\.md\/worktrees is not writable/) });
    expectNothingCreated(run);
  });

  it("a session's worktree path is taken by a foreign folder", async () => {
    const run = fixture();
    mkdirSync(run.worktree('web'), { recursive: true });
    writeFileSync(join(run.worktree('web'), 'notes.txt'), 'mine\n');
    const result = await runParx(['up', '--detach'], run.root);
    expect(result).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining(`${run.worktree('web')} already exists and is not a worktree of this repository`),
    });
    expectNothingCreated(run);
    expect(existsSync(join(run.worktree('web'), 'notes.txt'))).toBe(true);
  });

  it('a named session is not configured', async () => {
    const run = fixture();
    const result = await runParx(['up', '--detach', 'auth', 'ghost'], run.root);
    expect(result).toMatchObject({ exitCode: 2, stderr: 'parx: unknown session ghost; configured: auth, web' });
    expectNothingCreated(run);
  });

  it('the agent program is not installed', async () => {
    const run = fixture();
    setConfig(run, (c) => {
      c.agent = 'definitely-not-an-agent --flag';
    });
    const result = await runParx(['up', '--detach'], run.root);
    expect(result).toMatchObject({ exitCode: 2, stderr: 'parx: agent program "definitely-not-an-agent" (for auth, web) is not installed or not on PATH' });
    expectNothingCreated(run);
  });

  it('the configuration is invalid', async () => {
    const run = fixture();
    setConfig(run, (c) => {
      (c.sessions as Record<string, { owns: string[] }>).web!.owns = ['src/web/**', '/abs/**'];
    });
    const result = await runParx(['up', '--detach'], run.root);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${join(run.root, 'parx.config.json')}: sessions.web.owns[1]: expected a glob relative to the repository root`);
    expectNothingCreated(run);
  });

  it('the main worktree has the session branch checked out', async () => {
    const run = fixture();
    run.git('checkout', '-q', '-b', 'parx/web');
    setConfig(run, (c) => {
      c.base = 'main';
    });
    const result = await runParx(['up', '--detach'], run.root);
    expect(result).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('parx/web is checked out in the main worktree') });
    expect(run.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(existsSync(dirname(run.worktree('auth')))).toBe(false);
  });
});
