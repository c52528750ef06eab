import { execa } from 'execa';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDownFixture, type DownFixture, expectNothingLost, readEvents, snapshotWork } from '../helpers/fixture.js';
import { PARX_BIN, runParx } from '../helpers/parx.js';

/**
 * "Nothing is ever lost": each scenario tries to make `parx down` lose work (dirty worktrees,
 * conflicts anywhere in the queue, failing verify, crashes between any two steps, re-runs) and
 * then checks that every commit that was on a parx/* branch is reachable from main or still on
 * its branch, and every uncommitted or untracked file is still there with its content.
 */

const SESSIONS = ['one', 'two', 'three'] as const;

/** Three sessions, each with two commits in its own folder; `chained`: two after one, three after two. */
function threeSessions(chained: boolean, extra: Record<string, unknown> = {}): DownFixture {
  const fx = createDownFixture(
    {
      one: { owns: ['one/**', 'README.md'] },
      two: { owns: ['two/**'], ...(chained ? { after: ['one'] } : {}) },
      three: { owns: ['three/**'], ...(chained ? { after: ['two'] } : {}) },
    },
    { base: 'main', shared: ['shared/**'], ...extra },
  );
  for (const s of SESSIONS) {
    fx.start(s);
    fx.commitIn(s, { [`${s}/a.txt`]: `${s} a\n` }, `${s}: a`);
    fx.commitIn(s, { [`${s}/b.txt`]: `${s} b\n` }, `${s}: b`);
  }
  return fx;
}

/** `session` changes shared/config.txt, and main changes it differently since the fork: a conflict. */
function conflictWithMain(fx: DownFixture, session: string): void {
  fx.commitIn(session, { 'shared/config.txt': `${session}'s value\n` });
  fx.write('shared/config.txt', 'main moved on\n');
  fx.git('add', '-A');
  fx.git('commit', '-q', '-m', 'main: config');
}

const mergesOf = (fx: DownFixture) => fx.mainLog().filter((s) => s.startsWith('parx: merge '));
const snapshot = (fx: DownFixture) => snapshotWork(fx, SESSIONS);

describe('parx down never loses work', () => {
  it('keeps dirty worktrees and untracked files exactly as they were', async () => {
    const fx = threeSessions(false);
    fx.writeIn('one', 'one/a.txt', 'edited, not committed\n');
    fx.writeIn('two', 'two/new.txt', 'untracked\n');
    fx.gitIn('three', 'rm', '-q', 'three/a.txt'); // a staged deletion
    const before = snapshot(fx);
    const result = await fx.down();
    expect(result.exitCode).toBe(1);
    expect(mergesOf(fx)).toEqual([]);
    expectNothingLost(fx, before);
    for (const s of SESSIONS) expect(existsSync(fx.worktree(s))).toBe(true);

    expect((await fx.down('--commit-wip')).exitCode).toBe(0);
    expectNothingLost(fx, before);
    expect(fx.read('two/new.txt')).toBe('untracked\n');
    expect(existsSync(join(fx.root, 'three/a.txt'))).toBe(false);
  });

  it.each([0, 1, 2])('with a conflict at queue position %i, merges what it can and keeps the rest', async (position) => {
    const fx = threeSessions(false);
    const conflicted = SESSIONS[position]!;
    conflictWithMain(fx, conflicted);
    const before = snapshot(fx);

    const result = await fx.down();
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`✗ ${conflicted}\\s+refused: would conflict with base in 1 file\\(s\\)\\n\\s+shared/config.txt`));
    expect(mergesOf(fx).sort()).toEqual(
      SESSIONS.filter((s) => s !== conflicted)
        .map((s) => `parx: merge ${s}`)
        .sort(),
    );
    expect(existsSync(fx.worktree(conflicted))).toBe(true);
    expectNothingLost(fx, before);
  });

  it.each([0, 1, 2])('with a conflict at position %i of a dependency chain, skips everything after it', async (position) => {
    const fx = threeSessions(true);
    const conflicted = SESSIONS[position]!;
    conflictWithMain(fx, conflicted);
    const before = snapshot(fx);

    const result = await fx.down();
    expect(result.exitCode).toBe(1);
    expect(mergesOf(fx).reverse()).toEqual(SESSIONS.slice(0, position).map((s) => `parx: merge ${s}`));
    for (const s of SESSIONS.slice(position + 1)) expect(result.stdout).toMatch(new RegExp(`${s}\\s+skipped: it merges after`));
    for (const s of SESSIONS.slice(position)) expect(existsSync(fx.worktree(s))).toBe(true);
    expectNothingLost(fx, before);
  });

  it('evicts a merge whose verify fails: base goes back, the merge is kept under a backup ref, the queue goes on', async () => {
    // verify changes a tracked file before failing: that change is stashed, not discarded.
    const fx = threeSessions(false, {
      verify: 'echo "verify saw $PARX_SESSION"; if [ -f two/breaks-verify ]; then echo touched >> README.md; echo "tests failed" >&2; exit 3; fi',
    });
    fx.commitIn('two', { 'two/breaks-verify': 'x\n' });
    const before = snapshot(fx);
    const twoTip = fx.git('rev-parse', 'parx/two').trim();

    const result = await fx.down();
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('[two] tests failed');
    expect(result.stdout).toMatch(/✗ two\s+evicted: verify failed \(exit 3\); base reset to [0-9a-f]{9}\n\s+\| verify saw two\n\s+\| tests failed/);
    expect(mergesOf(fx).reverse()).toEqual(['parx: merge one', 'parx: merge three']);
    const evictedMerge = fx.git('rev-parse', 'refs/parx/backup/two/1').trim();
    expect(fx.git('rev-parse', `${evictedMerge}^2`).trim()).toBe(twoTip);
    expect(fx.git('status', '--porcelain')).toBe('');
    expect(fx.git('stash', 'list')).toContain('parx: changes verify left after merging two');
    expect(fx.git('stash', 'show', '-p', 'stash@{0}')).toContain('+touched');
    expect(fx.git('rev-parse', 'parx/two').trim()).toBe(twoTip);
    const events = readEvents(fx.root);
    expect(events.find((e) => e.type === 'evict')).toMatchObject({ session: 'two', commit: evictedMerge, backupRef: 'refs/parx/backup/two/1', exitCode: 3 });
    expectNothingLost(fx, before);

    // Fixed on the branch, the next run merges it.
    fx.gitIn('two', 'rm', '-q', 'two/breaks-verify');
    fx.gitIn('two', 'commit', '-q', '-m', 'two: fix');
    expect((await fx.down()).exitCode).toBe(0);
    expect(mergesOf(fx)[0]).toBe('parx: merge two');
  });

  it('keeps a worktree and branch that got new work after the merge, and merges it next time', async () => {
    // verify runs after each merge and before cleanup: it stands in for an agent still at work
    // (unsandboxed: in the command sandbox, verify can write only the main checkout).
    const fx = threeSessions(false, {
      verify:
        'if [ "$PARX_SESSION" = one ]; then echo late > "$PARX_WORKTREE/one/late.txt"; fi; if [ "$PARX_SESSION" = two ]; then git -C "$PARX_WORKTREE" commit -q --allow-empty -m "two: late"; fi',
      guard: { sandbox: 'off' },
    });
    const before = snapshot(fx);
    const result = await fx.down();
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/one\s+merged[^\n]*\n\s+kept: its worktree has 1 uncommitted or untracked file\(s\) since the merge \(one\/late.txt\)/);
    expect(result.stdout).toMatch(/two\s+merged[^\n]*\n\s+kept: new commits on parx\/two since the merge/);
    expect(existsSync(fx.worktree('three'))).toBe(false);
    expect(readFileSync(join(fx.worktree('one'), 'one/late.txt'), 'utf8')).toBe('late\n');
    expectNothingLost(fx, before);

    fx.gitIn('one', 'add', '-A');
    fx.gitIn('one', 'commit', '-q', '-m', 'one: late');
    const again = await runParx(['down'], fx.root);
    expect(again.stdout).toMatch(/two\s+merged/);
    expect(mergesOf(fx).filter((m) => m === 'parx: merge two')).toHaveLength(2);
    expect(fx.git('log', '--format=%s', 'main')).toContain('two: late');
  });

  it('refuses a merge that would overwrite an untracked file in the main worktree', async () => {
    const fx = threeSessions(false);
    fx.write('two/a.txt', 'precious, untracked in main\n');
    const result = await fx.down();
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/✗ two\s+refused: git refused\n\s+.*untracked working tree files would be overwritten/);
    expect(fx.read('two/a.txt')).toBe('precious, untracked in main\n');
    expect(mergesOf(fx).sort()).toEqual(['parx: merge one', 'parx: merge three']);
    expect(JSON.parse(readFileSync(join(fx.root, '.git/parx/state.json'), 'utf8')).down.merging).toBeUndefined();
  });

  it('merges a branch whose worktree folder was deleted by hand, and lets git forget the worktree', async () => {
    const fx = threeSessions(false);
    rmSync(fx.worktree('two'), { recursive: true, force: true });
    const before = snapshot(fx);
    expect((await fx.down()).exitCode).toBe(0);
    expect(mergesOf(fx)).toHaveLength(3);
    expect(fx.git('worktree', 'list')).not.toContain('two');
    expectNothingLost(fx, before);
  });

  it.each(['before-fast-forward', 'after-fast-forward', 'after-verify', 'after-worktree-remove', 'after-backup-refs', 'after-branch-delete'])(
    'finishes after being killed at %s, merging each session exactly once',
    async (point) => {
      const fx = threeSessions(true, { verify: 'echo "$PARX_SESSION" >> "$VERIFY_LOG"' });
      fx.writeIn('three', 'three/wip.txt', 'uncommitted\n');
      const before = snapshot(fx);
      const log = join(fx.parent, 'verify.log');

      const killed = await runParx(['down'], fx.root, { PARX_TEST_CRASH_AT: point, VERIFY_LOG: log });
      expect(killed.exitCode, 'the crash point was reached').toBe(-1);
      expectNothingLost(fx, before);

      const resumed = await runParx(['down', '--commit-wip'], fx.root, { VERIFY_LOG: log });
      expect(resumed.stderr).toBe('');
      expect(resumed.exitCode).toBe(0);
      expect(mergesOf(fx).reverse()).toEqual(['parx: merge one', 'parx: merge two', 'parx: merge three']);
      for (const s of SESSIONS) expect(existsSync(fx.worktree(s)) || fx.refs(`refs/heads/parx/${s}`).length > 0, s).toBe(false);
      // A merge that was on base but not verified when the process died is verified on resume.
      const verified = readFileSync(log, 'utf8').trim().split('\n');
      expect(new Set(verified)).toEqual(new Set(SESSIONS));
      expectNothingLost(fx, before);
    },
  );

  it('survives kill -9 at any moment: every re-run keeps the work, and the last one finishes the job', async () => {
    const fx = threeSessions(true, { verify: 'sleep 0.05' });
    fx.writeIn('two', 'two/wip.txt', 'uncommitted\n');
    const before = snapshot(fx);
    let finished = false;
    for (const delay of [40, 90, 140, 190, 240, 300, 360, 420, 500, 600, 800]) {
      const child = execa(process.execPath, [PARX_BIN, 'down', '--commit-wip'], { cwd: fx.root, reject: false });
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const result = await child;
      clearTimeout(timer);
      await new Promise((r) => setTimeout(r, 100)); // git children of the killed process finish
      expectNothingLost(fx, before);
      if (result.exitCode === 0) {
        finished = true;
        break;
      }
    }
    if (!finished) expect((await runParx(['down', '--commit-wip'], fx.root)).exitCode).toBe(0);
    expect(mergesOf(fx).reverse()).toEqual(['parx: merge one', 'parx: merge two', 'parx: merge three']);
    expect(fx.read('two/wip.txt')).toBe('uncommitted\n');
    expectNothingLost(fx, before);
  });
});
