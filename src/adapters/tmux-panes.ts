import { execa } from 'execa';
import { tmux, toTmuxArgv } from './tmux.js';

/** tmux panes: starting them, listing them, closing them. Targets by id (`%3`) or exact name. */

export interface NewPane {
  windowId: string;
  paneId: string;
}

/**
 * Starts panes, each running its argv in its cwd, in as few tmux calls as fit (see tmux()): the
 * first pane of a new detached session (`into.session`) then splits, or only splits of an
 * existing window. With two or more argv elements tmux execs the program directly, no `sh -c`.
 *
 * `windowSetup` (for a new session) runs right after the session is made and before any split,
 * so window options such as remain-on-exit are in place before the server can notice a program
 * exit. Commands name their targets: run inside tmux, an untargeted command would act on the
 * user's own session.
 */
export async function startPanes(
  into: { session: string } | { window: string },
  panes: ReadonlyArray<{ cwd: string; argv: string[] }>,
  options: { layout: string; windowSetup: string[][] },
): Promise<NewPane[]> {
  const target = 'session' in into ? `=${into.session}:` : into.window;
  const print = ['-P', '-F', '#{window_id} #{pane_id}'];
  const commands = panes.flatMap(({ cwd, argv }, i): string[][] =>
    i === 0 && 'session' in into
      ? [
          // A detached session is 80x24 by default; make room for the splits to come.
          ['new-session', '-d', '-s', into.session, '-x', '240', '-y', '70', '-c', cwd, ...print, '--', ...execArgv(argv)],
          ...options.windowSetup,
        ]
      : [
          ['split-window', '-t', target, '-c', cwd, ...print, '--', ...execArgv(argv)],
          // Re-tile after every split: repeatedly halving one pane runs out of room after ~6 splits.
          ['select-layout', '-t', target, options.layout],
        ],
  );
  if (commands.length === 0) return [];
  const out = await tmux(commands);
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const [windowId, paneId] = line.split(' ');
      return { windowId: windowId!, paneId: paneId! };
    });
}

export async function respawnPane(paneId: string, cwd: string, argv: string[]): Promise<void> {
  await tmux(['respawn-pane', '-t', paneId, '-c', cwd, '--', ...execArgv(argv)]);
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
  currentPath: string;
  title: string;
}

const PANE_FORMAT = ['#{pane_id}', '#{window_id}', '#{@parx_session}', '#{@parx_role}', '#{pane_dead}', '#{pane_current_path}', '#{pane_title}'].join('\t');

export async function listPanes(sessionName: string): Promise<PaneInfo[]> {
  const out = await tmux(['list-panes', '-s', '-t', `=${sessionName}`, '-F', PANE_FORMAT]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [paneId, windowId, session, role, dead, currentPath, title] = line.split('\t');
      return { paneId: paneId!, windowId: windowId!, session: session || undefined, role: role || undefined, dead: dead === '1', currentPath: currentPath ?? '', title: title ?? '' };
    });
}

/** Closes a pane (its program gets SIGHUP). A pane that is gone already is not an error. */
export async function killPane(paneId: string): Promise<void> {
  await execa('tmux', toTmuxArgv(['kill-pane', '-t', paneId]), { reject: false });
}

export interface PaneActivity {
  paneId: string;
  session: string | undefined;
  dead: boolean;
  /** Changes whenever the pane prints: scrollback size and cursor position. */
  fingerprint: string;
}

export async function listPaneActivity(sessionName: string): Promise<PaneActivity[]> {
  const format = ['#{pane_id}', '#{@parx_session}', '#{pane_dead}', '#{history_size}:#{cursor_x}:#{cursor_y}'].join('\t');
  const result = await execa('tmux', toTmuxArgv(['list-panes', '-s', '-t', `=${sessionName}`, '-F', format]), { reject: false });
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [paneId, session, dead, fingerprint] = line.split('\t');
      return { paneId: paneId!, session: session || undefined, dead: dead === '1', fingerprint: fingerprint ?? '' };
    });
}
