import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { quoteShellWord } from '../core/agent-hooks.js';
import { getHostCommandLine, type HostConfig } from '../core/hosts.js';

/**
 * OpenSSH, as the user has it: the `ssh` on PATH, so their ~/.ssh/config, agent and keys apply.
 * Always in batch mode (a host that wants a password is an error, not a prompt in a pane), and
 * over one shared connection per host and run (a ControlMaster whose socket is in parx's run
 * folder), so a run costs one handshake per host. Arguments only: the destination follows `--`
 * (config validation refuses one that starts with "-"), and the remote command line is built by
 * core/hosts.ts with every word quoted.
 */

/** Why a host could not be reached (ssh itself failed: exit 255). */
export class HostUnreachableError extends Error {
  constructor(
    readonly host: string,
    reason: string,
  ) {
    super(`host ${host} cannot be reached: ${reason}`);
  }
}

/** The host was reached but its parx failed or is not there. */
export class HostCommandError extends Error {}

export interface SshHost extends HostConfig {
  name: string;
  /** The ControlMaster's socket for this host and run. */
  controlPath: string;
}

/**
 * The socket path: in the run folder when it fits a Unix socket's 108 bytes (ssh adds a
 * 17-character suffix while it sets the master up), else under the temp folder, per user.
 */
export function getControlPath(runDir: string, host: string): string {
  const inRun = join(runDir, 'ssh', host);
  if (Buffer.byteLength(inRun) <= 80) return inRun;
  const digest = createHash('sha256').update(inRun).digest('hex').slice(0, 16);
  return join(tmpdir(), `parx-ssh-${process.getuid?.() ?? 0}`, digest);
}

function getSshOptions(host: SshHost, master: boolean): string[] {
  return [
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'ServerAliveInterval=15',
    '-o',
    `ControlPath=${host.controlPath}`,
    '-o',
    master ? 'ControlMaster=yes' : 'ControlMaster=no',
    ...(master ? ['-o', 'ControlPersist=300'] : []),
  ];
}

/**
 * Opens the shared connection unless one is up. The master goes to the background with `-f`
 * and outlives this process by ControlPersist's idle time; its stderr goes to a file, because a
 * pipe it kept open would keep this call waiting.
 */
export async function connect(host: SshHost): Promise<void> {
  mkdirSync(join(host.controlPath, '..'), { recursive: true, mode: 0o700 });
  const check = await execa('ssh', ['-o', `ControlPath=${host.controlPath}`, '-O', 'check', '--', host.ssh], { reject: false, stdin: 'ignore' });
  if (check.exitCode === 0) return;
  const log = `${host.controlPath}.log`;
  const master = await execa('ssh', [...getSshOptions(host, true), '-f', '-N', '--', host.ssh], {
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: { file: log },
  });
  if (master.exitCode !== 0)
    throw new HostUnreachableError(host.name, lastLine(await readFile(log, 'utf8').catch(() => '')) || `ssh exited with ${master.exitCode}`);
}

/** Closes the shared connection (the run is over); nothing when none is up. */
export async function disconnect(host: SshHost): Promise<void> {
  await execa('ssh', ['-o', `ControlPath=${host.controlPath}`, '-O', 'exit', '--', host.ssh], { reject: false, stdin: 'ignore' });
}

/**
 * Runs `parx host <verb>` on the host with `request` as JSON on stdin; returns its JSON answer
 * (the last line it prints), which must hold these `lists`. ssh failing is HostUnreachableError; parx failing there is
 * HostCommandError with what it said.
 */
export async function runHostVerb<T>(host: SshHost, verb: string, request: unknown, lists: readonly string[] = []): Promise<T> {
  const child = await execa('ssh', [...getSshOptions(host, false), '--', host.ssh, getHostCommandLine(host, [verb])], {
    reject: false,
    input: JSON.stringify(request),
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.exitCode === 255) throw new HostUnreachableError(host.name, lastLine(child.stderr) || 'ssh exited with 255');
  if (child.exitCode === 127)
    throw new HostCommandError(`host ${host.name}: its parx command (${host.parx ?? 'parx'}) was not found there: ${lastLine(child.stderr)}`);
  const answer = lastLine(child.stdout);
  let parsed: { ok?: boolean; error?: string } | undefined;
  try {
    parsed = JSON.parse(answer) as { ok?: boolean; error?: string };
  } catch {
    parsed = undefined;
  }
  if (!parsed || child.exitCode !== 0 || parsed.ok === false)
    throw new HostCommandError(`host ${host.name}: ${parsed?.error ?? (lastLine(child.stderr) || `parx host ${verb} exited with ${child.exitCode}`)}`);
  // An answer of another shape (another parx version there) is the host's failure, not a crash here.
  const missing = lists.find((key) => !Array.isArray((parsed as Record<string, unknown>)[key]));
  if (missing) throw new HostCommandError(`host ${host.name}: its parx answered \`${verb}\` without ${missing} (another version? \`parx doctor\` checks)`);
  return parsed as T;
}

/**
 * The argv of a pane that shows a command on the host with a terminal (`ssh -t`), over the
 * shared connection when it is up. `args` are quoted into the remote command line.
 */
export function getHostPaneArgv(host: SshHost, args: readonly string[]): string[] {
  return ['ssh', ...getSshOptions(host, false), '-t', '--', host.ssh, getHostCommandLine(host, args)];
}

/**
 * git's ssh command for the host's URL, over the shared connection. git runs it with the shell,
 * so the one path in it is quoted.
 */
export function getGitSshEnv(host: SshHost): Record<string, string> {
  return {
    GIT_SSH_COMMAND: `ssh -o BatchMode=yes -o ConnectTimeout=10 -o ControlMaster=no -o ControlPath=${quoteShellWord(host.controlPath)}`,
    GIT_SSH_VARIANT: 'ssh',
  };
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}
