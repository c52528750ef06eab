import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** tmux on the test's private server (TMUX_TMPDIR is set per test file in setup.ts). */
export function tmuxOut(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * Kills the test's tmux server and waits (up to 5 s) for the programs its panes ran to exit: a
 * guard flushes its last events under .git/parx on SIGHUP, and the repository is deleted next.
 */
export async function killTmuxServer(): Promise<void> {
  let pids: number[] = [];
  try {
    pids = execFileSync('tmux', ['list-panes', '-a', '-F', '#{pane_pid}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    execFileSync('tmux', ['kill-server'], { stdio: 'ignore' });
  } catch {
    // no server was running
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    // A zombie still answers signal 0; it is done writing. (Linux; elsewhere wait it out.)
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
    } catch {
      return true;
    }
  };
  for (const deadline = Date.now() + 5000; pids.some(alive) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
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
  return tmuxOut(
    'list-panes',
    '-s',
    '-t',
    `=${tmuxSession}`,
    '-F',
    '#{pane_id}\t#{?@parx_role,:#{@parx_role},#{@parx_session}}\t#{pane_title}\t#{pane_current_path}\t#{pane_dead}',
  )
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
