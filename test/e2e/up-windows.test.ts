import { realpathSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, type SessionSpec } from '../helpers/fixture.js';
import { PARX_BIN, runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';

afterEach(killTmuxServer);

const names = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `s${from + i}`);
const sessionsOf = (list: string[]): Record<string, SessionSpec> =>
  Object.fromEntries(list.map((s) => [s, { owns: [`src/${s}/**`], task: `task ${s}`, agent: 'tail -f {promptFile}' }]));

/** Every pane of the run: its id, window id and name, parx session or role, and where it runs. */
function listGrid(): Array<{ pane: string; window: string; windowName: string; who: string; path: string }> {
  return tmuxOut('list-panes', '-s', '-t', '=parx-repo', '-F', '#{pane_id}\t#{window_id}\t#{window_name}\t#{@parx_session}#{@parx_role}\t#{pane_current_path}')
    .split('\n')
    .map((line) => {
      const [pane, window, windowName, who, path] = line.split('\t') as [string, string, string, string, string];
      return { pane, window, windowName, who, path };
    });
}

describe('parx up with many sessions', () => {
  it('spreads 30 sessions over windows named after them, the guard in its own, and fills in added sessions without moving a pane', async () => {
    const files = Object.fromEntries(names(30).map((s) => [`src/${s}/index.ts`, `export const ${s} = 1;\n`]));
    const run = createRunFixture(sessionsOf(names(26)), { guard: { sandbox: 'off' } }, files);

    const first = await runParx(['up', '--detach'], run.root);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    const before = listGrid();
    // Not on a terminal: sized for the detached 240×70 session, 6 session panes per window.
    const windows = [...new Set(before.map((p) => p.windowName))];
    expect(windows).toEqual(['guard', 's0,s1,s2,s3,s4,s5', 's6,s7,s8,s9,s10,s11', 's12,s13,s14,s15,s16,s17', 's18,s19,s20,s21,s22,s23', 's24,s25']);
    expect(before.filter((p) => p.windowName === 'guard').map((p) => p.who)).toEqual(['guard']);
    for (const s of names(26)) {
      const pane = before.find((p) => p.who === s)!;
      expect(pane.path).toBe(run.worktree(s));
      expect(pane.windowName.split(',')).toContain(s);
    }
    expect(before.find((p) => p.who === 'guard')!.path).toBe(realpathSync(run.root));

    // Four more sessions: they fill the last window, which is renamed; nothing else moves.
    const config = JSON.parse(run.read('parx.config.json'));
    Object.assign(config.sessions, sessionsOf(names(4, 26)));
    run.write('parx.config.json', JSON.stringify(config));
    const second = await runParx(['up', '--detach'], run.root);
    expect(second.stderr).toBe('');
    expect(second.exitCode).toBe(0);
    const after = listGrid();
    for (const pane of before) {
      const now = after.find((p) => p.pane === pane.pane)!;
      expect([now.window, now.who]).toEqual([pane.window, pane.who]);
    }
    const last = after.find((p) => p.who === 's24')!.window;
    expect(after.filter((p) => p.window === last).map((p) => p.who)).toEqual(names(6, 24));
    expect(after.find((p) => p.window === last)!.windowName).toBe('s24,s25,s26,s27,s28,s29');
    for (const s of names(4, 26)) expect(after.find((p) => p.who === s)!.path).toBe(run.worktree(s));

    // All 30 in status, which names each one's pane; check passes.
    const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout);
    expect(status.sessions.map((s: { name: string; pane: string }) => [s.name, s.pane])).toEqual(
      names(30).map((s) => [s, after.find((p) => p.who === s)!.pane]),
    );
    expect((await runParx(['check'], run.root)).exitCode).toBe(0);
  });

  it('keeps a small run in one window with the guard, and honours layout.panesPerWindow', async () => {
    const run = createRunFixture(
      sessionsOf(names(3)),
      { guard: { sandbox: 'off' }, layout: { panesPerWindow: 2, preset: 'even-vertical' } },
      Object.fromEntries(names(3).map((s) => [`src/${s}/a.ts`, 'x\n'])),
    );
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    expect([...new Set(listGrid().map((p) => p.windowName))]).toEqual(['guard', 's0,s1', 's2']);

    const small = createRunFixture(
      sessionsOf(names(3)),
      { guard: { sandbox: 'off' } },
      Object.fromEntries(names(3).map((s) => [`src/${s}/a.ts`, 'x\n'])),
      'small',
    );
    expect((await runParx(['up', '--detach'], small.root)).exitCode).toBe(0);
    const grid = tmuxOut('list-panes', '-s', '-t', '=parx-small', '-F', '#{window_name}\t#{@parx_session}#{@parx_role}').split('\n');
    expect(grid).toEqual(['s0,s1,s2\ts0', 's0,s1,s2\ts1', 's0,s1,s2\ts2', 's0,s1,s2\tguard']);
  });

  it('jumps from the dashboard to a session in another window', async () => {
    const run = createRunFixture(
      sessionsOf(names(14)),
      { guard: { sandbox: 'off' }, layout: { panesPerWindow: 6 } },
      Object.fromEntries(names(14).map((s) => [`src/${s}/a.ts`, 'x\n'])),
    );
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    // The dashboard in a window of the run's own tmux session, as a user would open it.
    tmuxOut('new-window', '-d', '-t', '=parx-repo:', '-n', 'dash', '-c', run.root, process.execPath, PARX_BIN, 'status', '--watch');
    const screen = () => tmuxOut('capture-pane', '-p', '-t', '=parx-repo:dash');
    await waitFor('the dashboard to list s13', () => (/^s13 /m.test(screen()) ? true : undefined), 10_000);
    tmuxOut('send-keys', '-t', '=parx-repo:dash', ...Array(10).fill('Down'), 'Enter');
    const target = listGrid().find((p) => p.who === 's10')!;
    await waitFor(
      's10 to be the active pane of the active window',
      () => (tmuxOut('display-message', '-p', '-t', '=parx-repo:', '#{pane_id}') === target.pane ? true : undefined),
      10_000,
    );
    expect(tmuxOut('display-message', '-p', '-t', '=parx-repo:', '#{window_name}')).toBe('s6,s7,s8,s9,s10,s11');
  });

  it('refuses a layout it does not know, naming the key', async () => {
    const run = createRunFixture(sessionsOf(names(1)), { layout: { panesPerWindw: 4 } }, { 'src/s0/a.ts': 'x\n' });
    const result = await runParx(['plan'], run.root);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('layout.panesPerWindw');
  });
});
