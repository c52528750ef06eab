import { appendFile } from 'node:fs/promises';
import { execa } from 'execa';
import { findExecutable } from './files.js';
import { readFormat } from './tmux.js';

/**
 * The ways to reach a human who is not looking at the guard pane. Every one is best effort:
 * a notification that cannot be shown is skipped, never an error of the guard's. Texts go as
 * argv or environment, never into a shell line or a script.
 */

/** A bell in a pane: tmux flags that pane's window (monitor-bell) wherever the human is. */
export async function ringPaneBell(paneId: string): Promise<void> {
  const tty = await readFormat(paneId, '#{pane_tty}');
  // Written to the terminal side of the pane (what it shows), not its input: no keystroke.
  if (tty?.startsWith('/dev/')) await appendFile(tty, '\x07').catch(() => {});
}

let desktop: Promise<string[] | undefined> | undefined;

/** `notify-send` (Linux, with a desktop session) or `osascript` (macOS); undefined when neither. */
async function findDesktopNotifier(env: NodeJS.ProcessEnv): Promise<string[] | undefined> {
  if (process.platform === 'darwin' && (await findExecutable('osascript', '/'))) {
    return ['osascript', '-e', 'on run argv', '-e', 'display notification (item 2 of argv) with title (item 1 of argv)', '-e', 'end run'];
  }
  if ((env.DISPLAY || env.WAYLAND_DISPLAY || env.DBUS_SESSION_BUS_ADDRESS) && (await findExecutable('notify-send', '/'))) return ['notify-send'];
  return undefined;
}

export async function notifyDesktop(title: string, message: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  desktop ??= findDesktopNotifier(env);
  const argv = await desktop;
  if (!argv) return;
  await execa(argv[0]!, [...argv.slice(1), title, message], { reject: false, timeout: 5_000, stdin: 'ignore' });
}

/**
 * The user's `notify:` command, run by `sh -c` as written in their config (it is theirs, like
 * `verify:`); what happened is only in its environment. Returns an error text, if it failed.
 */
export async function runNotifyCommand(command: string, cwd: string, variables: Record<string, string>): Promise<string | undefined> {
  const result = await execa('sh', ['-c', command], { cwd, env: variables, reject: false, timeout: 15_000, stdin: 'ignore', all: true });
  if (result.exitCode === 0) return undefined;
  return `notify command failed (${result.timedOut ? 'timed out' : `exit ${result.exitCode}`}): ${(result.all ?? '').trim().split('\n').slice(-3).join(' / ')}`;
}
