import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, readEvents, type RunFixture } from '../helpers/fixture.js';
import { killGuards, startGuard, waitForGuardToWatch, type GuardEventLine } from '../helpers/guard.js';
import { PARX_BIN, runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';

/** The guard must not go blind: replaced folders, refused watches, its own echoes, a vanished run. */

afterEach(async () => {
  killGuards();
  await killTmuxServer();
});

const sessions = {
  auth: { owns: ['src/auth/**'], task: 'Wait.' },
  payments: { owns: ['src/payments/**'], task: 'Wait.' },
};

async function startedRun(extra: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<RunFixture> {
  const run = createRunFixture(sessions, extra);
  const up = await runParx(['up', '--detach'], run.root, env);
  expect(up.exitCode, up.stderr).toBe(0);
  await waitForGuardToWatch(run.root);
  return run;
}

function write(run: RunFixture, session: string, path: string, text = 'x\n'): void {
  const file = join(run.worktree(session), path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
const violation = (session: string, path: string) => (e: GuardEventLine) => e.type === 'violation' && e.session === session && e.path === path;
const recorded = (run: RunFixture) => readEvents(run.root);

describe('the guard does not go blind', () => {
  it('watches a folder deleted and made again at once under the same name', async () => {
    const run = await startedRun();
    const guard = await startGuard(run.root);
    const folder = join(run.worktree('auth'), 'src/payments');
    rmSync(folder, { recursive: true });
    mkdirSync(folder);
    await guard.waitForEvent('the deletion', violation('auth', 'src/payments/charge.ts'));
    write(run, 'auth', 'src/payments/late.ts');
    expect(await guard.waitForEvent('a write in the new folder', violation('auth', 'src/payments/late.ts'))).toMatchObject({ kind: 'trespass', change: 'add' });
  });

  it('says loudly when the kernel refuses a watch, polls that folder instead, and status shows it', async () => {
    // The test seam makes fs.watch fail on src/payments as it does at the inotify watch limit.
    const run = await startedRun({}, { PARX_TEST_WATCH_FAIL: 'ENOSPC:src/payments' });
    const guard = await startGuard(run.root, { PARX_TEST_WATCH_FAIL: 'ENOSPC:src/payments' });
    const error = guard.events.find((e) => e.type === 'error' && e.code === 'ENOSPC');
    expect(error?.message).toMatch(/cannot watch src\/payments \(ENOSPC\); polling it instead.*sysctl fs\.inotify\.max_user_watches=/);
    expect(guard.events.find((e) => e.type === 'ready')).toMatchObject({ polled: 2 });

    write(run, 'auth', 'src/payments/polled.ts');
    expect(await guard.waitForEvent('the write in the polled folder', violation('auth', 'src/payments/polled.ts'))).toMatchObject({ kind: 'trespass' });

    const status = await runParx(['status'], run.root);
    expect(status.stdout).toContain('Guard: polling 2 folder(s) the kernel would not watch (auth:src/payments, payments:src/payments)');
    expect(JSON.parse((await runParx(['status', '--json'], run.root)).stdout).guard).toMatchObject({
      running: true,
      polling: ['auth:src/payments', 'payments:src/payments'],
    });
  });

  it('reverts a second write that lands right after its own restore', async () => {
    const run = await startedRun({ guard: { onViolation: 'revert' } });
    const file = join(run.worktree('auth'), 'src/payments/charge.ts');
    writeFileSync(file, 'first\n');
    await waitFor('the first revert', () => recorded(run).find((e) => e.type === 'revert'));
    writeFileSync(file, 'second\n');
    await waitFor('the second revert', () => (recorded(run).filter((e) => e.type === 'revert').length >= 2 ? true : undefined));
    await waitFor('the file as the branch has it', () => (readFileSync(file, 'utf8') === 'export const charge = 1;\n' ? true : undefined));
    // Both writes are kept in quarantine; nothing was lost.
    const quarantine = join(run.root, '.git/parx/quarantine/auth');
    const saved = readdirSync(quarantine).map((stamp) => readFileSync(join(quarantine, stamp, 'src/payments/charge.ts'), 'utf8'));
    expect(saved.sort()).toEqual(['first\n', 'second\n']);
  });

  it('reverts once in a repository with line-ending filters, and leaves the index alone when only the file changed', async () => {
    const run = createRunFixture(
      sessions,
      { guard: { onViolation: 'revert' } },
      {
        '.gitattributes': '*.ts text eol=crlf\n',
        'src/auth/login.ts': 'export const login = 1;\n',
        'src/payments/charge.ts': 'export const charge = 1;\n',
      },
    );
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    await waitForGuardToWatch(run.root);
    const file = join(run.worktree('auth'), 'src/payments/charge.ts');
    const index = join(run.root, '.git/worktrees/auth/index');
    const indexBefore = readFileSync(index);
    writeFileSync(file, 'changed by auth\r\n');
    await waitFor('the file as a checkout writes it', () => (readFileSync(file, 'utf8') === 'export const charge = 1;\r\n' ? true : undefined));
    // The restore's own echo (CRLF on disk, LF in the blob) must not look like a new write.
    writeFileSync(join(run.worktree('auth'), 'sentinel.txt'), 'x\n');
    await waitFor('the sentinel violation', () => recorded(run).find((e) => e.type === 'violation' && e.path === 'sentinel.txt'));
    expect(recorded(run).filter((e) => e.type === 'revert' && e.path === 'src/payments/charge.ts')).toHaveLength(1);
    expect(readFileSync(index).equals(indexBefore)).toBe(true);
  });

  it('announces on start what agents reported before it was ready', async () => {
    const run = await startedRun();
    const hook = await execa(process.execPath, [PARX_BIN, 'hook', 'waiting', '--common-dir', join(run.root, '.git'), '--session', 'payments'], {
      cwd: run.worktree('payments'),
      env: { PARX_SESSION: 'payments' },
      input: '{}',
      reject: false,
    });
    expect(existsSync(join(run.root, '.git/parx/agents/payments/state.json'))).toBe(true);
    expect(hook.exitCode).toBe(0);
    const guard = await startGuard(run.root);
    const ready = guard.events.findIndex((e) => e.type === 'ready');
    expect(guard.events.slice(0, ready)).toContainEqual(expect.objectContaining({ type: 'state', session: 'payments', state: 'waiting', source: 'hook' }));
  });

  it('stops by itself when its repository is deleted', async () => {
    const run = await startedRun();
    tmuxOut('kill-server');
    const guard = await startGuard(run.root);
    rmSync(run.parent, { recursive: true, force: true });
    const stopped = await guard.waitForEvent('the guard to stop', (e) => e.type === 'stopped', 10_000);
    // Seen mid-deletion, the state may be gone a moment before the folder that held it.
    expect(stopped.reason).toMatch(/its repository is gone|its run state is gone/);
    expect((await guard.stop()).exitCode).toBe(0);
  });
});

describe('parx status', () => {
  it('says "not started" for a session that never had a pane, and "exited" for one whose pane is gone', async () => {
    const run = createRunFixture(sessions);
    expect((await runParx(['up', '--detach', 'auth'], run.root)).exitCode).toBe(0);
    tmuxOut('kill-pane', '-t', run.state().sessions.auth!.pane);
    const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { sessions: Array<{ name: string; state: string }> };
    expect(status.sessions.map((s) => [s.name, s.state])).toEqual([
      ['auth', 'exited'],
      ['payments', 'not-started'],
    ]);
    expect((await runParx(['status'], run.root)).stdout).toMatch(/payments\s+—\s+not started/);
  });
});
