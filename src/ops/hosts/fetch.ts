import { fetchHostedBranches } from '../../adapters/git-hosts.js';
import { runHostVerb } from '../../adapters/ssh.js';
import type { SessionConfig } from '../../core/config-validate.js';
import type { Refusal } from '../../core/merge-queue.js';
import type { Project } from '../common/project.js';
import { forEachHost, type Reached } from './connection.js';

/**
 * What `down` and `integrate` need of hosted sessions before they merge anything: per host, at
 * once, the host's parx inspects them there (its objects drained and verified as for any
 * session; the refusals `down` would make), then their branches are fetched here, under
 * refs/parx/hosts/<host>/<session>.
 */

export interface Inspected {
  name: string;
  hasBranch: boolean;
  hasWorktree: boolean;
  tip: string | null;
  refusals: Refusal[];
}

export interface HostFacts {
  sessions: Inspected[];
  /** Tips as fetched here. */
  fetched: Map<string, string>;
}

export async function fetchHostedSessions(project: Project, sessions: readonly SessionConfig[]): Promise<Array<Reached<HostFacts>>> {
  return forEachHost(project, sessions, async (host, group): Promise<HostFacts> => {
    const { sessions: inspected } = await runHostVerb<{ sessions: Inspected[] }>(host, 'inspect', { dir: host.dir, sessions: group.map((s) => s.name) }, [
      'sessions',
    ]);
    const fetched = await fetchHostedBranches(
      project.root,
      host,
      inspected.filter((s) => s.hasBranch && s.tip).map((s) => s.name),
    );
    return { sessions: inspected, fetched };
  });
}
