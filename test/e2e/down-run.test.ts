import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isRunning } from '../../src/adapters/tmux-panes.js';

const readCmdline = (pid: string) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, type RunFixture } from '../helpers/fixture.js';
import { PARX_BIN, runParx, waitFor } from '../helpers/parx.js';
import { hasTmuxSession, killTmuxServer, listPaneRows, tmuxOut } from '../helpers/tmux.js';

afterEach(killTmuxServer);

/** A whole run: stand-in agents edit and commit in their panes, then `parx down` lands them. */
async function finishedAgents(extra: Record<string, unknown> = {}): Promise<RunFixture> {
  const run = createRunFixture(
    {
      auth: { owns: ['src/auth/**'], task: 'EDIT src/auth/jwt.ts\nCOMMIT auth: jwt' },
      payments: { owns: ['src/payments/**'], task: 'EDIT src/payments/refund.ts\nCOMMIT payments: refunds', after: ['auth'] },
      web: { owns: ['src/web/**'], task: 'EDIT src/web/app.ts' }, // leaves its work uncommitted
    },
    extra,
  );
  expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
  for (const s of ['auth', 'payments', 'web']) await waitFor(`${s} to finish`, () => run.isDone(s) || undefined);
  return run;
}

const paneSessions = () => listPaneRows('parx-repo').map((p) => p.session);

describe('parx down after parx up', () => {
  it('closes the panes of merged sessions, runs teardown, keeps refused ones, and closes tmux when none is left', async () => {
    const run = await finishedAgents({ teardown: 'echo "$PARX_SESSION $PARX_WORKTREE" >> "$TEARDOWN_LOG"' });
    const teardownLog = join(run.parent, 'teardown.log');

    // Without `base` in the config, the run merges into the base it started from.
    run.git('switch', '-q', '-c', 'elsewhere');
    const wrongBranch = await runParx(['down'], run.root);
    expect(wrongBranch.exitCode).toBe(1);
    expect(wrongBranch.stderr).toContain('has branch elsewhere checked out, not main');
    run.git('switch', '-q', 'main');

    const first = await runParx(['down'], run.root, { TEARDOWN_LOG: teardownLog });
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toMatch(
      /✓ auth\s+merged \(1 commit\(s\), [0-9a-f]{9}\)\n\s+removed: pane, worktree, branch \(branch tip kept as refs\/parx\/backup\/auth\/1\)/,
    );
    expect(first.stdout).toMatch(/✗ web\s+refused: 1 uncommitted or untracked file\(s\) in its worktree\n\s+src\/web\/app.ts/);
    expect(paneSessions().sort()).toEqual([':guard', 'web']);
    // Landed sessions are cleaned up side by side: their teardowns may finish in either order.
    expect(readFileSync(teardownLog, 'utf8').trim().split('\n').sort()).toEqual([`auth ${run.worktree('auth')}`, `payments ${run.worktree('payments')}`]);
    expect(existsSync(run.worktree('web'))).toBe(true);
    expect(run.state().sessions).toHaveProperty('web');
    expect(run.state().sessions).not.toHaveProperty('auth');

    const second = await runParx(['down', '--commit-wip'], run.root, { TEARDOWN_LOG: teardownLog });
    expect(second.stdout).toMatch(/✓ web\s+merged \(1 commit\(s\)/);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/✓ auth\s+already merged/);
    expect(hasTmuxSession('parx-repo')).toBe(false);
    expect(existsSync(join(run.parent, 'repo.parx'))).toBe(false);
    expect(run.git('log', '--first-parent', '--format=%s', 'main').trim().split('\n')).toEqual([
      'parx: merge web',
      'parx: merge payments',
      'parx: merge auth',
      'add parx config',
      'initial',
    ]);
    expect(run.git('log', '--format=%s', 'main^2', '-2').trim().split('\n')).toEqual(['parx: wip web', 'add parx config']);
  });

  it('run from a pane of the run itself, reports in full before closing the tmux session around it', async () => {
    const run = await finishedAgents();
    run.write('.gitignore', 'down.out\n');
    run.git('add', '.gitignore');
    run.git('commit', '-q', '-m', 'ignore down.out');
    const out = join(run.root, 'down.out');
    // A new window in the run's tmux session, the way a user opens a shell there.
    tmuxOut('new-window', '-t', '=parx-repo:', '-c', run.root, '--', 'sh', '-c', `"${process.execPath}" "${PARX_BIN}" down --commit-wip > down.out 2>&1`);
    await waitFor('the tmux session to close', () => (hasTmuxSession('parx-repo') ? undefined : true), 30_000);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/✓ web\s+merged/);
    expect(text).toContain('Every session is merged and cleaned up; the tmux session is closed.');
    expect(run.git('log', '--first-parent', '--format=%s', 'main').trim().split('\n')).toEqual([
      'parx: merge payments',
      'parx: merge web',
      'parx: merge auth',
      'ignore down.out',
      'add parx config',
      'initial',
    ]);
  });
});

describe('parx down and agents that ignore hang-ups', () => {
  it('ends a pane program that ignores SIGHUP and SIGTERM, as Gemini CLI does, sandboxed or not', async () => {
    // A marker in the command line finds them from outside (a sandboxed one has pids of its own).
    const marker = `stubborn-${process.pid}-${Date.now()}`;
    const stubborn = `sh -c 'trap "" HUP TERM; touch "$STANDIN_RECORD_DIR/$PARX_SESSION.up"; while :; do sleep 1; done' ${marker}`;
    const run = createRunFixture({
      a: { owns: ['src/auth/**'], task: 't', agent: stubborn, sandbox: 'off' },
      b: { owns: ['src/web/**'], task: 't', agent: stubborn },
    });
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    for (const s of ['a', 'b']) await waitFor(`${s} to start`, () => existsSync(join(run.records, `${s}.up`)) || undefined);
    const running = () =>
      readdirSync('/proc').filter((p) => /^\d+$/.test(p) && isRunning(Number(p)) && readCmdline(p).includes(marker) && !readCmdline(p).startsWith('bwrap'));
    expect(running().length).toBeGreaterThanOrEqual(2);
    const down = await runParx(['down'], run.root);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(running()).toEqual([]);
  });
});
