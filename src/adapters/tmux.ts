import { execa } from 'execa';
import { ToolError, UsageError } from '../core/errors.js';
import { readVersion } from '../core/version.js';

/**
 * tmux, always with argv arrays and targets by id (`$1`, `@2`, `%3`) or exact name (`=name`):
 * a bare name is matched by prefix, and indexes move with the user's base-index.
 *
 * Commands run on the server of the current environment: inside tmux that is the user's own
 * server (from $TMUX), elsewhere the default socket under $TMUX_TMPDIR (tests point that at a
 * temp dir).
 */

/**
 * Runs one tmux command, or several: `tmux([['a', 'x'], ['b']])` is `tmux a x ; b`. Several
 * commands go in as few tmux calls as fit its 16 KB client message ("command too long"), in order.
 */
export async function tmux(args: string[] | string[][]): Promise<string> {
  const commands = (typeof args[0] === 'string' || args.length === 0 ? [args] : args) as string[][];
  return runBatches(batchCommands(commands));
}

/**
 * Like tmux(commands), for groups of commands that must reach tmux in one call: a command that
 * targets "the window just made" (`=S:{end}`) must not be cut off from the command that made it.
 */
export async function tmuxGroups(groups: readonly string[][][]): Promise<string> {
  return runBatches(batchUnits(groups));
}

/**
 * `-u`: the client is taken as UTF-8 whatever the locale says. Without it, in a C locale (a
 * command over ssh, cron, a bare CI shell) the server sanitizes what it prints for `-F`
 * formats, tabs becoming "_", and every tab-separated answer parx reads breaks.
 */
const CLIENT_FLAGS = ['-u'];

async function runBatches(batches: string[][][]): Promise<string> {
  let out = '';
  for (const batch of batches) {
    const argv = toTmuxArgv(batch);
    const result = await execa('tmux', [...CLIENT_FLAGS, ...argv], { reject: false });
    if (result.failed) {
      if ((result as { code?: string }).code === 'ENOENT') throw new UsageError('tmux is not installed (parx needs tmux ≥ 3.2)');
      throw new ToolError(['tmux', ...argv], result.exitCode, result.stderr);
    }
    out += out && result.stdout ? `\n${result.stdout}` : result.stdout;
  }
  return out;
}

/**
 * The socket of the server parx's commands reach: $TMUX's inside tmux, else the default one
 * (`$TMUX_TMPDIR/tmux-<uid>/default`, as tmux computes it).
 */
export function getTmuxSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TMUX) return env.TMUX.split(',')[0]!;
  return `${(env.TMUX_TMPDIR || '/tmp').replace(/\/+$/, '')}/tmux-${process.getuid?.() ?? 0}/default`;
}

/** Room for one tmux client message: 16 KB, less its header and the client's other fields. */
const MAX_MESSAGE_BYTES = 15_000;

/** Consecutive commands grouped so that each group's arguments fit one tmux client message. */
export function batchCommands(commands: readonly string[][], max = MAX_MESSAGE_BYTES): string[][][] {
  return batchUnits(
    commands.map((c) => [c]),
    max,
  );
}

/** Like batchCommands, keeping each unit (a few commands) whole in one message. */
export function batchUnits(units: readonly string[][][], max = MAX_MESSAGE_BYTES): string[][][] {
  const size = (unit: readonly string[][]) => unit.reduce((n, command) => n + command.reduce((m, a) => m + Buffer.byteLength(a) + 2, 2), 0);
  const batches: string[][][] = [];
  let current: string[][] = [];
  let bytes = 0;
  for (const unit of units) {
    if (current.length > 0 && bytes + size(unit) > max) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(...unit);
    bytes += size(unit);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * The argv for a tmux client. tmux reads any argument that ends in ";" as the end of a command
 * (`a;` is `a` then a separator), so an argument that really ends in ";" (a prompt, an env value)
 * is escaped as "\;", which tmux turns back into ";". Commands are then joined with a bare ";".
 */
export function toTmuxArgv(args: readonly string[] | readonly string[][]): string[] {
  const commands = (typeof args[0] === 'string' || args.length === 0 ? [args] : args) as readonly string[][];
  const escape = (a: string) => (a.endsWith(';') ? `${a.slice(0, -1)}\\;` : a);
  return commands.flatMap((c, i) => (i === 0 ? c.map(escape) : [';', ...c.map(escape)]));
}

/**
 * Text for a tmux argument that expands formats (`display-message`, `-c` start directories,
 * `select-pane -T`…): every `#` doubled, so a file or folder name such as `#(touch ~/x)` or
 * `C#{pane_id}` is shown or used as written and never runs a command or changes meaning.
 */
export function escapeFormat(text: string): string {
  return text.replaceAll('#', '##');
}

/** Runs tmux where a failure is an answer (no such session, no server), not an error. */
export async function tryTmux(args: string[] | string[][], options: { stdio?: 'inherit'; timeout?: number } = {}): Promise<{ ok: boolean; stdout: string }> {
  // Bounded: a tmux that does not answer must not hold up a caller that loops (the guard).
  const result = await execa('tmux', [...CLIENT_FLAGS, ...toTmuxArgv(args)], { reject: false, timeout: 10_000, ...options });
  return { ok: result.exitCode === 0, stdout: typeof result.stdout === 'string' ? result.stdout : '' };
}

/** A format expanded for one target (a pane, window or session), or undefined when it is gone. */
export async function readFormat(target: string, format: string): Promise<string | undefined> {
  const result = await tryTmux(['display-message', '-p', '-t', target, format]);
  return result.ok ? result.stdout.trim() : undefined;
}

/**
 * A format expanded for every pane of a tmux session (`=`: that exact name, never a prefix
 * match), one line per pane split on tabs; undefined when the session is gone.
 */
export async function listSessionPanes(sessionName: string, fields: readonly string[]): Promise<string[][] | undefined> {
  const result = await tryTmux(['list-panes', '-s', '-t', `=${sessionName}`, '-F', fields.join('\t')]);
  return result.ok
    ? result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\t'))
    : undefined;
}

export const MIN_TMUX = [3, 2] as const;

export async function verifyTmux(): Promise<void> {
  const version = await tmux(['-V']);
  // -e on new-session/split-window and per-pane options (-p) need 3.2.
  if (readVersion(version, MIN_TMUX)?.atLeast === false) {
    throw new UsageError(`${version.trim()} is too old: parx needs tmux ≥ 3.2`);
  }
}

export async function hasSession(name: string): Promise<boolean> {
  return (await tryTmux(['has-session', '-t', `=${name}`])).ok;
}

/** tmux rewrites "." and ":" in session names; keep names to a safe alphabet ourselves. */
export function toTmuxName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

export async function getSessionOption(sessionName: string, option: string): Promise<string | undefined> {
  const result = await tryTmux(['show-options', '-qv', '-t', `=${sessionName}:`, option]);
  return result.ok && result.stdout !== '' ? result.stdout : undefined;
}

/**
 * Attaches this terminal to the session (stdio inherited), or inside tmux switches the current
 * client to it. Returns false when that was not possible, e.g. inside a pane of a session no
 * client is attached to ("no current client").
 */
export async function attachOrSwitch(sessionName: string, insideTmux: boolean): Promise<boolean> {
  if (insideTmux) return (await tryTmux(['switch-client', '-t', `=${sessionName}`])).ok;
  // Attached for as long as the user stays: no time limit (0).
  return (await tryTmux(['attach-session', '-t', `=${sessionName}`], { stdio: 'inherit', timeout: 0 })).ok;
}

/**
 * Shows a message on every client attached to the session and updates pane options, in one
 * tmux call. Failures are ignored: the tmux session may be gone while the guard runs on.
 * The message may hold file names: it is format-escaped here, so callers pass plain text.
 */
export async function notifyTmux(
  sessionName: string,
  message: string | undefined,
  paneOptions: ReadonlyArray<[pane: string, option: string, value: string]>,
): Promise<void> {
  const commands: string[][] = paneOptions.map(([pane, option, value]) => ['set-option', '-p', '-t', pane, option, value]);
  if (message) {
    const clients = await tryTmux(['list-clients', '-t', `=${sessionName}`, '-F', '#{client_name}']);
    for (const client of clients.stdout.split('\n').filter(Boolean)) {
      commands.push(['display-message', '-c', client, '-d', '4000', escapeFormat(message)]);
    }
  }
  if (commands.length === 0) return;
  await tryTmux(commands);
}

export async function killSession(name: string): Promise<void> {
  await tryTmux(['kill-session', '-t', `=${name}`]);
}
