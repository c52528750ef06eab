import { readFileSync } from 'node:fs';
import { ToolError } from '../core/errors.js';
import { DETACHED_SIZE } from '../core/pane-layout.js';
import { realpath } from './git-dir.js';
import { escapeFormat, listSessionPanes, readFormat, tmux, tmuxGroups, tryTmux } from './tmux.js';

/** tmux panes: starting them, listing them, closing them. Targets by id (`%3`) or exact name. */

export interface NewPane {
  windowId: string;
  paneId: string;
}

/**
 * tmux expands formats in `-c` (a folder named `C#{pane_id}` or `a#S` would become another
 * folder, and tmux falls back to its own cwd, the main checkout): the start directory is
 * escaped, and what tmux made of it (`pane_start_path`) is checked against what was asked.
 */
const PRINT_NEW_PANE = ['-P', '-F', '#{window_id}\t#{pane_id}\t#{pane_start_path}'];

/** Marks a pane that holds a placeholder until its program is ready (an `up` that stopped may leave one). */
const PENDING_OPTION = '@parx_pending';

export interface PaneGroup {
  /** An existing window (by id), or a new window with this name. */
  into: { window: string } | { newWindow: string };
  panes: ReadonlyArray<{ cwd: string; argv: string[] }>;
}

/**
 * Starts groups of panes, each running its argv in its cwd, in few tmux calls (see tmux()). With
 * two or more argv elements tmux execs the program directly, no `sh -c`. Returns the new panes of
 * each group, in order.
 *
 * First every new window is made with its first pane: the first as a new detached session when
 * `createSession`, followed by `sessionSetup`; each followed by `windowSetup` for it, in the same
 * tmux call, so that window options such as remain-on-exit are in place before the server can
 * notice a program exit. New windows go after the last one (`{end}`), which is how the setup
 * commands find them. Then every other pane splits its window, by id. Commands name their
 * targets: run inside tmux, an untargeted command would act on the user's own session.
 */
export async function startPanes(
  session: string,
  groups: readonly PaneGroup[],
  options: { createSession: boolean; preset: string; sessionSetup: string[][]; windowSetup: (target: string) => string[][] },
): Promise<NewPane[][]> {
  const made: string[][][] = [];
  let create = options.createSession;
  for (const group of groups) {
    const first = group.panes[0];
    if (!('newWindow' in group.into) || !first) continue;
    const name = escapeFormat(group.into.newWindow);
    if (create) {
      create = false;
      made.push([
        // A detached session is 80x24 by default; make room for the splits to come.
        [
          'new-session',
          '-d',
          '-s',
          session,
          '-n',
          name,
          '-x',
          String(DETACHED_SIZE.columns),
          '-y',
          String(DETACHED_SIZE.rows),
          '-c',
          escapeFormat(first.cwd),
          ...PRINT_NEW_PANE,
          '--',
          ...execArgv(first.argv),
        ],
        ...options.sessionSetup,
        ...options.windowSetup(`=${session}:`),
      ]);
    } else {
      made.push([
        ['new-window', '-d', '-a', '-t', `=${session}:{end}`, '-n', name, '-c', escapeFormat(first.cwd), ...PRINT_NEW_PANE, '--', ...execArgv(first.argv)],
        ...options.windowSetup(`=${session}:{end}`),
      ]);
    }
  }
  const windows = made.length > 0 ? parseNewPanes(await tmuxGroups(made)) : [];

  let next = 0;
  const started: Array<Array<NewPane & { startPath: string; cwd: string }>> = groups.map((group) => {
    if (!('newWindow' in group.into) || group.panes.length === 0) return [];
    return [{ ...windows[next++]!, cwd: group.panes[0]!.cwd }];
  });
  const splits = groups.flatMap((group, g) => {
    const window = 'window' in group.into ? group.into.window : started[g]![0]?.windowId;
    const rest = 'window' in group.into ? group.panes : group.panes.slice(1);
    return rest.map((pane) => ({ g, window: window!, pane }));
  });
  const split = splits.flatMap(({ window, pane }): string[][] => [
    ['split-window', '-t', window, '-c', escapeFormat(pane.cwd), ...PRINT_NEW_PANE, '--', ...execArgv(pane.argv)],
    // Re-tile after every split: repeatedly halving one pane runs out of room after ~6 splits.
    ['select-layout', '-t', window, options.preset],
  ]);
  const splitPanes = split.length > 0 ? parseNewPanes(await tmux(split)) : [];
  splits.forEach(({ g, pane }, i) => started[g]!.push({ ...splitPanes[i]!, cwd: pane.cwd }));
  await verifyStartDirectories(started.flat());
  return started.map((panes) => panes.map(({ windowId, paneId }) => ({ windowId, paneId })));
}

function parseNewPanes(out: string): Array<NewPane & { startPath: string }> {
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const [windowId, paneId, startPath] = line.split('\t');
      return { windowId: windowId!, paneId: paneId!, startPath: startPath ?? '' };
    });
}

/** Panes just started in a window, and what they are (see labelWindows). */
export interface LabelledWindow {
  windowId: string;
  /** `pending`: the pane holds a placeholder until its program is ready (see replacePanePrograms). */
  panes: Array<{ paneId: string; session?: string; role?: string; pending?: boolean }>;
  /** A new name for the window, when the sessions it holds changed. */
  name?: string;
}

/**
 * Marks each new pane with its parx identity and title, names and lays out its window, and
 * shows `focus`, in one tmux call. Identity lives in a user option (`@parx_session`,
 * `@parx_role`): programs overwrite pane titles with escape codes.
 */
export async function labelWindows(windows: readonly LabelledWindow[], preset: string, focus: string | undefined): Promise<void> {
  const commands = windows.flatMap((w): string[][] => [
    ...w.panes.flatMap((p): string[][] => [
      p.role ? ['set-option', '-p', '-t', p.paneId, '@parx_role', p.role] : ['set-option', '-p', '-t', p.paneId, '@parx_session', p.session ?? ''],
      ['select-pane', '-t', p.paneId, '-T', escapeFormat(p.role ?? p.session ?? '')],
      ...(p.pending ? [['set-option', '-p', '-t', p.paneId, PENDING_OPTION, '1']] : []),
    ]),
    ...(w.name !== undefined ? [['rename-window', '-t', w.windowId, escapeFormat(w.name)]] : []),
    ['select-layout', '-t', w.windowId, preset],
  ]);
  if (focus) commands.push(['select-window', '-t', focus], ['select-pane', '-t', focus]);
  await tmux(commands);
}

/** A program that only waits, shown in a pane until its real one is ready (no user text in it). */
export function getPlaceholderArgv(label: string): string[] {
  return ['sh', '-c', 'printf "parx: preparing %s…\\n" "$1"; exec sleep 2147483647', 'parx-placeholder', label];
}

/**
 * Replaces what runs in each pane (a placeholder, or a program that exited) with its program, in
 * its cwd, in one tmux call, and clears the pane's pending mark. As when starting panes, where each one started is checked.
 */
export async function replacePanePrograms(panes: ReadonlyArray<{ paneId: string; cwd: string; argv: string[] }>): Promise<void> {
  if (panes.length === 0) return;
  const out = await tmux(
    panes.flatMap((p): string[][] => [
      ['respawn-pane', '-k', '-t', p.paneId, '-c', escapeFormat(p.cwd), '--', ...execArgv(p.argv)],
      ['set-option', '-p', '-u', '-t', p.paneId, PENDING_OPTION],
      ['display-message', '-p', '-t', p.paneId, '#{pane_start_path}'],
    ]),
  );
  const startPaths = out.split('\n');
  await verifyStartDirectories(panes.map((p, i) => ({ ...p, startPath: startPaths[i] ?? '' })));
}

/**
 * A pane started anywhere but where it was asked would run an agent outside its worktree,
 * unwatched: such panes are closed at once and parx stops with the reason.
 */
async function verifyStartDirectories(panes: ReadonlyArray<{ paneId: string; startPath: string; cwd: string }>): Promise<void> {
  const wrong = panes.filter((p) => realpath(p.startPath) !== realpath(p.cwd));
  if (wrong.length === 0) return;
  await Promise.all(wrong.map((p) => killPane(p.paneId)));
  throw new ToolError(
    ['tmux', 'new-session/split-window'],
    undefined,
    wrong.map((p) => `pane ${p.paneId} started in ${p.startPath}, not in ${p.cwd}; it was closed`).join('\n'),
  );
}

/** A single argument would be run through `sh -c`; make sure tmux always sees at least two. */
function execArgv(argv: string[]): string[] {
  return argv.length === 1 ? ['env', ...argv] : argv;
}

export interface PaneInfo {
  paneId: string;
  windowId: string;
  /** The parx session the pane belongs to (`@parx_session` pane option), if any. */
  session: string | undefined;
  /** `guard` for the guard pane (`@parx_role`). */
  role: string | undefined;
  dead: boolean;
  /** It still holds the placeholder of an `up` that stopped before giving it its program. */
  pending: boolean;
  currentPath: string;
  title: string;
}

const PANE_FIELDS = [
  '#{pane_id}',
  '#{window_id}',
  '#{@parx_session}',
  '#{@parx_role}',
  '#{pane_dead}',
  '#{pane_current_path}',
  '#{pane_title}',
  '#{@parx_pending}',
];

export async function listPanes(sessionName: string): Promise<PaneInfo[]> {
  const rows = await listSessionPanes(sessionName, PANE_FIELDS);
  if (!rows) throw new ToolError(['tmux', 'list-panes'], undefined, `no tmux session ${sessionName}`);
  return rows.map(([paneId, windowId, session, role, dead, currentPath, title, pending]) => ({
    paneId: paneId!,
    windowId: windowId!,
    session: session || undefined,
    role: role || undefined,
    dead: dead === '1',
    pending: pending === '1',
    currentPath: currentPath ?? '',
    title: title ?? '',
  }));
}

/**
 * Closes a pane (its program gets SIGHUP). A pane that is gone already is not an error. Returns
 * the pid its program had: one that ignores SIGHUP (Gemini CLI does) outlives its pane, and the
 * caller ends it with endProcessGroups once every pane it closes is closed.
 */
export async function killPane(paneId: string): Promise<number | undefined> {
  const pid = await getPanePid(paneId);
  await tryTmux(['kill-pane', '-t', paneId]);
  return pid;
}

/** The pid of a pane's program (the leader of its process group), when the pane exists. */
export async function getPanePid(target: string): Promise<number | undefined> {
  const pid = Number((await readFormat(target, '#{pane_pid}')) ?? NaN);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Every pane's pid in a tmux session (before it is killed, see endProcessGroups). */
export async function listPanePids(tmuxSession: string): Promise<number[]> {
  const rows = (await listSessionPanes(tmuxSession, ['#{pane_pid}'])) ?? [];
  return rows.map(([pid]) => Number(pid)).filter((p) => Number.isInteger(p) && p > 1);
}

/** Whether a process runs: it exists and is not a zombie waiting for its parent to reap it. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // Linux: the state is the field after the parenthesised command name.
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
  })();
  return stat === undefined || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/**
 * After their panes closed: a group whose leader is still alive after a second is killed. tmux
 * made each pane's program the leader of its own process group, so `-pid` reaches it and what it
 * started, and nothing else.
 */
export async function endProcessGroups(pids: readonly number[]): Promise<void> {
  let left = pids.filter(isRunning);
  for (let waited = 0; left.length > 0 && waited < 1000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = left.filter(isRunning);
  }
  for (const pid of left) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone in between
    }
  }
}

export interface PaneActivity {
  paneId: string;
  session: string | undefined;
  dead: boolean;
  /** Changes whenever the pane prints: scrollback size and cursor position. */
  fingerprint: string;
  /** Columns x rows: a resize moves the cursor and the scrollback (a reflow) without any output. */
  size: string;
}

export async function listPaneActivity(sessionName: string): Promise<PaneActivity[]> {
  const rows =
    (await listSessionPanes(sessionName, [
      '#{pane_id}',
      '#{@parx_session}',
      '#{pane_dead}',
      '#{history_size}:#{cursor_x}:#{cursor_y}',
      '#{pane_width}x#{pane_height}',
    ])) ?? [];
  return rows.map(([paneId, session, dead, fingerprint, size]) => ({
    paneId: paneId!,
    session: session || undefined,
    dead: dead === '1',
    fingerprint: fingerprint ?? '',
    size: size ?? '',
  }));
}

/** Makes `paneId` the active pane of the active window of its session (what a client shows). */
export async function focusPane(paneId: string): Promise<void> {
  await tryTmux([
    ['select-window', '-t', paneId],
    ['select-pane', '-t', paneId],
  ]);
}
