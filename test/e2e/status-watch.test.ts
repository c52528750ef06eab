import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, installFakeAgents } from '../helpers/fixture.js';
import { PARX_BIN, runParx, waitFor } from '../helpers/parx.js';
import { hasTmuxSession, killTmuxServer, tmuxOut } from '../helpers/tmux.js';

/**
 * `parx status --watch` on a real terminal: a tmux pane of 80×24 on the test's private tmux
 * server, read back with capture-pane. The run's own agents are the hooked stand-in.
 */

afterEach(killTmuxServer);

describe('parx status --watch', () => {
  it('draws the run at 80×24, redraws on an event, and grants the selected request from the keyboard', async () => {
    const run = createRunFixture({
      auth: { owns: ['src/auth/**'], task: 'EDIT src/payments/charge.ts', agent: 'claude' },
      payments: { owns: ['src/payments/**'], task: 'Wait.', sandbox: 'off' },
    });
    expect((await runParx(['up', '--detach'], run.root, installFakeAgents(run))).exitCode).toBe(0);
    await waitFor('auth to finish', () => (run.isDone('auth') ? true : undefined));

    tmuxOut('new-session', '-d', '-s', 'dash', '-x', '80', '-y', '24', '-c', run.root, process.execPath, PARX_BIN, 'status', '--watch');
    const screen = () => tmuxOut('capture-pane', '-p', '-t', 'dash');
    const shows = (text: string) => waitFor(`the dashboard to show ${text}`, () => (screen().includes(text) ? true : undefined), 10_000);
    await shows('auth-1  auth → payments  src/payments/charge.ts');
    const lines = screen().split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    expect(screen()).toMatch(/auth\s+waiting \d\d:\d\d/);
    expect(screen()).toContain('↑↓ select');

    // An event: payments writes a file auth owns; the guard records it, the view follows.
    writeFileSync(join(run.worktree('payments'), 'src/auth/login.ts'), 'changed by payments\n');
    await waitFor('payments to show its violation', () => (/payments\s+\S+\s+src\/payments\/\*\*\s+0\s+1\s+1\s/.test(screen()) ? true : undefined), 10_000);

    // Down past the two sessions to the request, grant it: it leaves the list.
    tmuxOut('send-keys', '-t', 'dash', 'Down', 'Down', 'g');
    await shows('granted auth-1: src/payments/charge.ts now belongs to auth');
    await shows('No open requests.');
    tmuxOut('send-keys', '-t', 'dash', 'q');
    // q ends it: its program was the pane's, so the tmux session goes with it.
    await waitFor('the dashboard to quit', () => (hasTmuxSession('dash') ? undefined : true), 10_000);
  });

  it('is parx status when not on a terminal', async () => {
    const run = createRunFixture({ auth: { owns: ['src/auth/**'], task: 'Wait.' } });
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    const watch = await runParx(['status', '--watch'], run.root);
    expect(watch.exitCode).toBe(0);
    expect(watch.stdout).toContain('parx status  base');
  });
});
