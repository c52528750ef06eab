import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitWorktreePaths } from '../../src/adapters/git-merge.js';
import { createDownFixture, createRunFixture, type DownFixture } from '../helpers/fixture.js';
import { createRepo } from '../helpers/repo.js';
import { runParx } from '../helpers/parx.js';
import { hasTmuxSession, killTmuxServer, listPaneRows, tmuxOut } from '../helpers/tmux.js';

/** `parx down` must not lose work it did not make, that git hides, or that the user keeps around it. */

afterEach(killTmuxServer);

function twoSessions(extra: Record<string, unknown> = {}, gitignore = ''): DownFixture {
  const fx = createDownFixture({ one: { owns: ['one/**'] }, two: { owns: ['two/**'] } }, { base: 'main', ...extra });
  if (gitignore) {
    fx.write('.gitignore', gitignore);
    fx.git('add', '.gitignore');
    fx.git('commit', '-qm', 'ignore');
  }
  for (const s of ['one', 'two']) {
    fx.start(s);
    fx.commitIn(s, { [`${s}/a.txt`]: `${s}\n` });
  }
  return fx;
}

const saved = (fx: DownFixture, session: string) => {
  const dir = join(fx.root, '.git/parx/saved', session);
  if (!existsSync(dir)) return {};
  const [stamp] = readdirSync(dir);
  const files: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, stamp!), { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      files[join(entry.parentPath, entry.name).slice(join(dir, stamp!).length + 1)] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  return files;
};

describe('parx down never loses work it did not make', () => {
  it('does not evict a merge when base moved on during verify: the commits stay, the queue stops', async () => {
    // verify commits on base, then fails: resetting base to before the merge would drop that commit.
    // (Only a verify run unsandboxed can commit: in the command sandbox git's data is read-only.)
    const fx = twoSessions({ verify: 'git commit -q --allow-empty -m "made during verify" && exit 1', guard: { sandbox: 'off' } });
    const result = await fx.down();
    expect(result.exitCode).toBe(1);
    expect(fx.mainLog().slice(0, 2)).toEqual(['made during verify', 'parx: merge one']);
    expect(result.stdout).toMatch(/✗ one\s+verify failed \(exit 1\), and base moved on meanwhile: the merge stays in base; the queue stopped/);
    expect(result.stdout).toContain('git revert -m 1');
    expect(result.stdout).toMatch(/✗ two\s+skipped: the queue stopped at one/);
    expect(existsSync(fx.worktree('two'))).toBe(true);
  });

  it('saves ignored files found nowhere else before removing a worktree, and names the regenerable ones it drops', async () => {
    const fx = twoSessions({}, '.env\nnotes/\nnode_modules/\npackage-lock.json\n');
    fx.write('.env', 'A=main\n');
    for (const s of ['one', 'two']) execFileSync('cp', [join(fx.root, '.env'), join(fx.worktree(s), '.env')]);
    fx.writeIn('one', '.env', 'A=edited by one\n');
    fx.writeIn('one', 'notes/plan.md', 'my notes\n');
    fx.writeIn('one', 'node_modules/left-pad/index.js', 'module.exports = 1;\n');
    // An ignored lockfile is what `npm install` in setup wrote: regenerable, not the session's work.
    fx.writeIn('one', 'package-lock.json', '{"lockfileVersion": 3}\n');
    const result = await fx.down();
    expect(result.exitCode, result.stdout).toBe(0);
    expect(existsSync(fx.worktree('one'))).toBe(false);
    expect(saved(fx, 'one')).toEqual({ '.env': 'A=edited by one\n', 'notes/plan.md': 'my notes\n' });
    expect(result.stdout).toMatch(/saved 2 ignored file\(s\) found nowhere else to .*\.git\/parx\/saved\/one\/.*: \.env, notes\/plan\.md/);
    expect(result.stdout).toContain(
      'ignored build output, dependencies and lockfiles removed with the worktree (installs make them again): node_modules/, package-lock.json',
    );
    // two's .env is the main checkout's: nothing of two's to save.
    expect(saved(fx, 'two')).toEqual({});
  });

  it('does not save what `copy:` put in a worktree and the session left alone, even when the main checkout’s copy changed since', async () => {
    const run = createRunFixture(
      { auth: { owns: ['src/auth/**'], task: 'Wait.' }, payments: { owns: ['src/payments/**'], task: 'Wait.' } },
      { agent: 'shell', copy: ['.env'] },
      {
        '.gitignore': '.env\n',
        'src/auth/login.ts': 'x\n',
        'src/payments/charge.ts': 'y\n',
      },
    );
    run.write('.env', 'A=1\n');
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    run.write('.env', 'A=2\n'); // the user moves on in the main checkout
    writeFileSync(join(run.worktree('payments'), '.env'), 'A=payments\n'); // payments changes its own
    const down = await runParx(['down'], run.root);
    expect(down.exitCode, down.stdout).toBe(0);
    expect(existsSync(join(run.root, '.git/parx/saved/auth'))).toBe(false);
    const saved = readdirSync(join(run.root, '.git/parx/saved/payments'));
    expect(readFileSync(join(run.root, '.git/parx/saved/payments', saved[0]!, '.env'), 'utf8')).toBe('A=payments\n');
  });

  it('never overwrites an ignored file of the main checkout: refuses, naming it', async () => {
    const fx = twoSessions({}, 'secret.txt\n');
    fx.write('secret.txt', 'mine\n');
    fx.writeIn('one', 'secret.txt', 'theirs\n');
    fx.gitIn('one', 'add', '-f', 'secret.txt');
    fx.gitIn('one', 'commit', '-qm', 'one: force-add secret.txt');
    const result = await fx.down('--allow-violations');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/✗ one\s+refused: git refused/);
    expect(result.stdout).toContain('secret.txt');
    expect(fx.read('secret.txt')).toBe('mine\n');
  });

  it('commits exactly what was inspected with --commit-wip, on the branch parx read, running no hook', async () => {
    const repo = createRepo({ 'a.txt': 'a\n', 'gone.txt': 'g\n' });
    const scratch = mkdtempSync(join(tmpdir(), 'parx-wip-'));
    const tip = () => repo.git('rev-parse', 'refs/heads/main').trim();
    repo.write('a.txt', 'inspected change\n');
    repo.git('rm', '-q', 'gone.txt'); // a deletion already staged
    repo.write('later.txt', 'written after the inspection\n');
    // A hook a session could have written: it must not run (it would run outside the sandbox).
    repo.write('.git/hooks/pre-commit', '#!/bin/sh\ntouch "$GIT_DIR/../hook-ran"\n');
    chmodSync(join(repo.root, '.git/hooks/pre-commit'), 0o755);
    const first = await commitWorktreePaths(repo.root, { ref: 'refs/heads/main', tip: tip() }, ['a.txt', 'gone.txt'], 'parx: wip', scratch);
    expect(first).toEqual({ commit: tip() });
    expect(repo.git('show', '--name-status', '--format=', 'HEAD').trim().split('\n')).toEqual(['M\ta.txt', 'D\tgone.txt']);
    expect(repo.git('status', '--porcelain').trim()).toBe('?? later.txt');
    expect(existsSync(join(repo.root, 'hook-ran'))).toBe(false);
    // Staged after the inspection: left staged, not committed.
    repo.write('a.txt', 'again\n');
    repo.git('add', 'later.txt');
    await commitWorktreePaths(repo.root, { ref: 'refs/heads/main', tip: tip() }, ['a.txt'], 'parx: wip', scratch);
    expect(repo.git('show', '--name-only', '--format=', 'HEAD').trim()).toBe('a.txt');
    expect(repo.git('status', '--porcelain').trim()).toBe('A  later.txt');
    // A worktree whose HEAD was pointed elsewhere (a session can write its HEAD file) still
    // commits on the branch parx read, and only if that branch did not move meanwhile.
    repo.git('branch', 'victim');
    const victim = repo.git('rev-parse', 'victim').trim();
    repo.git('symbolic-ref', 'HEAD', 'refs/heads/victim');
    repo.write('a.txt', 'third\n');
    const before = tip();
    expect(await commitWorktreePaths(repo.root, { ref: 'refs/heads/main', tip: before }, ['a.txt'], 'parx: wip', scratch)).toHaveProperty('commit');
    expect(repo.git('rev-parse', 'victim').trim()).toBe(victim);
    expect(repo.git('rev-parse', 'main^').trim()).toBe(before);
    expect(await commitWorktreePaths(repo.root, { ref: 'refs/heads/main', tip: before }, ['a.txt'], 'parx: wip', scratch)).toEqual({
      failure: expect.stringMatching(/its branch moved while parx committed/) as string,
    });
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('forgets only its own missing worktrees, never one of the user’s that is away for a moment', async () => {
    const fx = twoSessions();
    const mine = join(dirname(fx.root), 'user-wt');
    fx.git('worktree', 'add', '-q', '-b', 'user', mine);
    renameSync(mine, `${mine}.unmounted`); // a disk that is not mounted right now
    rmSync(fx.worktree('one'), { recursive: true }); // parx's own, deleted by hand
    expect((await fx.down()).exitCode).toBe(0);
    const listed = fx.git('worktree', 'list', '--porcelain');
    expect(listed).toContain(`worktree ${mine}\n`);
    expect(listed).not.toContain(fx.worktree('one'));
    renameSync(`${mine}.unmounted`, mine);
    expect(execFileSync('git', ['status', '--short', '--branch'], { cwd: mine, encoding: 'utf8' })).toContain('## user');
  });

  it('keeps commits that only a worktree’s HEAD reflog reaches', async () => {
    const fx = twoSessions();
    fx.gitIn('one', 'switch', '-q', '--detach');
    fx.commitIn('one', { 'one/detached.txt': 'made on a detached HEAD\n' }, 'one: detached work');
    const detached = fx.gitIn('one', 'rev-parse', 'HEAD').trim();
    fx.gitIn('one', 'switch', '-q', 'parx/one');
    const result = await fx.down();
    expect(result.exitCode).toBe(0);
    const backups = fx.refs('refs/parx/backup/one/');
    expect(backups.map((r) => fx.git('rev-parse', r).trim())).toContain(detached);
    expect(result.stdout).toMatch(/kept commits only its reflog held as refs\/parx\/backup\/one\/\d/);
  });

  it('finishes a worktree removal a stopped run began, and never merges git’s deletions as work', async () => {
    const fx = twoSessions();
    const first = await runParx(['down', 'one'], fx.root, { PARX_TEST_CRASH_AT: 'before-worktree-remove' });
    expect(first.exitCode).not.toBe(0); // killed, as kill -9 would
    // What `git worktree remove` cut off midway leaves: some tracked files already deleted.
    rmSync(join(fx.worktree('one'), 'one/a.txt'));
    const again = await fx.down('--commit-wip');
    expect(again.exitCode, again.stdout).toBe(0);
    expect(fx.read('one/a.txt')).toBe('one\n'); // base kept it: no "parx: wip" deleting it was merged
    expect(fx.mainLog().filter((s) => s.startsWith('parx: wip'))).toEqual([]);
    expect(existsSync(fx.worktree('one'))).toBe(false);
    expect(fx.refs('refs/heads/parx/')).toEqual([]);
  });

  it('closes only its own panes when the user has opened something else in its tmux session', async () => {
    const run = createRunFixture(
      { auth: { owns: ['src/auth/**'], task: 'Wait.' }, payments: { owns: ['src/payments/**'], task: 'Wait.' } },
      { agent: 'shell' },
    );
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    const tmuxSession = run.state().tmuxSession;
    tmuxOut('new-window', '-d', '-t', `=${tmuxSession}:`, '-n', 'mine', 'sleep 600');
    const down = await runParx(['down'], run.root);
    expect(down.exitCode, down.stdout).toBe(0);
    expect(hasTmuxSession(tmuxSession)).toBe(true);
    expect(listPaneRows(tmuxSession).map((p) => p.session)).toEqual(['']);
    expect(tmuxOut('list-windows', '-t', `=${tmuxSession}`, '-F', '#{window_name}')).toBe('mine');
  });
});
