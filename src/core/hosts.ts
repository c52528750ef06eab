import { quoteShellWord } from './agent-hooks.js';
import type { ParxConfig, SessionConfig } from './config-validate.js';

/**
 * Sessions on other hosts (docs/hosts.md): the pure half. Everything crosses to a host as the
 * arguments of one `ssh` or as git's own transport; the only shell string ever built is the
 * command line ssh hands the remote shell, and every word of it but the user's own `parx`
 * command is quoted here.
 */

export interface HostConfig {
  ssh: string;
  dir: string;
  parx?: string | undefined;
}

/**
 * The command line ssh runs on the host for `parx host <verb>`: the user's `parx` command (a shell
 * command line they wrote, like `verify`), then every argument quoted. The request itself goes on
 * stdin as JSON, so no session name, path or prompt is ever part of this line.
 */
export function getHostCommandLine(host: HostConfig, args: readonly string[]): string {
  return [host.parx ?? 'parx', 'host', ...args.map(quoteShellWord)].join(' ');
}

/**
 * The git URL of the host's clone, for git's own ssh transport. `ssh://user@host:port` takes the
 * path after it (`/~/x` for a home-relative one); an alias or user@host takes git's scp form.
 */
export function getGitUrl(host: HostConfig): string {
  if (host.ssh.startsWith('ssh://')) {
    const origin = host.ssh.replace(/\/+$/, '');
    return host.dir.startsWith('~') ? `${origin}/${host.dir}` : `${origin}${host.dir}`;
  }
  return `${host.ssh}:${host.dir}`;
}

/** The ref a hosted session's branch is fetched into here: parx's, never a branch of the user's. */
export function getHostedRef(host: string, session: string): string {
  return `refs/parx/hosts/${host}/${session}`;
}

/** Where this machine pushes its base for the host to fast-forward from. */
export const INCOMING_BASE_REF = 'refs/parx/incoming/base';

/** The hosted sessions by host, in configuration order. */
export function groupByHost(sessions: readonly SessionConfig[]): Map<string, SessionConfig[]> {
  const groups = new Map<string, SessionConfig[]>();
  for (const s of sessions) if (s.host) groups.set(s.host, [...(groups.get(s.host) ?? []), s]);
  return groups;
}

/**
 * The configuration a host's run gets for these sessions: the run's own, validated (tasks and
 * defaults resolved here, so nothing there is read from the host's files), minus what happens
 * on this machine (`verify`, merging, reviews, the queue, notifications: the local guard relays
 * the host's events) and what names files of this checkout (`copy`, `promptTemplate`).
 * `after` is dropped: hosted sessions land from here, in this machine's order.
 */
export function getHostRunConfig(config: ParxConfig, base: string, sessions: readonly SessionConfig[]): Record<string, unknown> {
  return {
    base,
    worktreeDir: config.worktreeDir,
    ...(config.teardown !== undefined && { teardown: config.teardown }),
    ports: config.ports,
    shared: config.shared,
    guard: config.guard,
    writable: config.writable,
    approve: config.approve,
    layout: config.layout,
    sessions: Object.fromEntries(
      sessions.map((s) => [
        s.name,
        {
          owns: s.owns,
          task: s.task,
          agent: s.agent,
          ...(s.setup !== undefined && { setup: s.setup }),
          env: s.env,
          sandbox: s.sandbox,
          approve: s.approve,
          ...(s.budget && { budget: s.budget }),
        },
      ]),
    ),
  };
}
