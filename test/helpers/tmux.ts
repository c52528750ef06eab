import { execFileSync } from 'node:child_process';

/** tmux on the test's private server (TMUX_TMPDIR is set per test file in setup.ts). */
export function tmuxOut(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function killTmuxServer(): void {
  try {
    execFileSync('tmux', ['kill-server'], { stdio: 'ignore' });
  } catch {
    // no server was running
  }
}

export function hasTmuxSession(name: string): boolean {
  try {
    execFileSync('tmux', ['has-session', '-t', `=${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface PaneRow {
  id: string;
  /** The parx session, or `:guard` for the guard pane. */
  session: string;
  title: string;
  path: string;
  dead: boolean;
}

export function listPaneRows(tmuxSession: string): PaneRow[] {
  return tmuxOut('list-panes', '-s', '-t', `=${tmuxSession}`, '-F', '#{pane_id}\t#{?@parx_role,:#{@parx_role},#{@parx_session}}\t#{pane_title}\t#{pane_current_path}\t#{pane_dead}')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, session, title, path, dead] = line.split('\t') as [string, string, string, string, string];
      return { id, session, title, path, dead: dead === '1' };
    });
}

/** The agent panes only (not the guard), in creation order. */
export function listSessionPanes(tmuxSession: string): PaneRow[] {
  return listPaneRows(tmuxSession).filter((p) => !p.session.startsWith(':'));
}
