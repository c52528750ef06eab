import { connect, getControlPath, HostUnreachableError, type SshHost } from '../../adapters/ssh.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { groupByHost } from '../../core/hosts.js';
import type { Project } from '../common/project.js';

/**
 * The hosts of a run as ssh reaches them (docs/hosts.md): one shared connection per host, its
 * socket in the run folder. A host that cannot be reached is an answer, never a thrown error
 * that stops the work on this machine or on other hosts.
 */

export function getSshHost(project: Project, name: string): SshHost {
  const host = project.config.hosts[name]!;
  return { name, ssh: host.ssh, dir: host.dir, parx: host.parx, controlPath: getControlPath(project.files.dir, name) };
}

export type Reached<T> = { host: SshHost; sessions: SessionConfig[] } & ({ ok: true; value: T } | { ok: false; reason: string; unreachable: boolean });

/**
 * For each host of these sessions, at once: connect, then `work`. A failure (unreachable, parx
 * missing there, a refusal there) is that host's answer, with its reason.
 */
export async function forEachHost<T>(
  project: Project,
  sessions: readonly SessionConfig[],
  work: (host: SshHost, sessions: SessionConfig[]) => Promise<T>,
): Promise<Array<Reached<T>>> {
  return Promise.all(
    [...groupByHost(sessions)].map(async ([name, group]): Promise<Reached<T>> => {
      const host = getSshHost(project, name);
      try {
        await connect(host);
        return { host, sessions: group, ok: true, value: await work(host, group) };
      } catch (error) {
        return { host, sessions: group, ok: false, reason: (error as Error).message, unreachable: error instanceof HostUnreachableError };
      }
    }),
  );
}
