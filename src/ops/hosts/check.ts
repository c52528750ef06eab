import { runHostVerb } from '../../adapters/ssh.js';
import type { SessionConfig } from '../../core/config-validate.js';
import type { Project } from '../common/project.js';
import { forEachHost } from './connection.js';

/**
 * `parx check` for hosted sessions (docs/hosts.md): the host's own `parx check` of them, one ssh
 * round trip per host. A host that cannot be asked gives each of its sessions `unasked(reason)`.
 */
export async function checkHostedSessions<Row extends { name: string }>(
  project: Project,
  sessions: readonly SessionConfig[],
  unasked: (session: SessionConfig, reason: string) => Row,
): Promise<Array<Row & { host: string }>> {
  const answers = await forEachHost(project, sessions, (host, group) =>
    runHostVerb<{ sessions: Row[] }>(host, 'check', { dir: host.dir, sessions: group.map((s) => s.name) }, ['sessions']),
  );
  return sessions.map((session) => {
    const answer = answers.find((a) => a.sessions.includes(session))!;
    const row = answer.ok ? answer.value.sessions.find((s) => s.name === session.name) : undefined;
    return { ...(row ?? unasked(session, answer.ok ? 'its host does not know it' : answer.reason)), host: session.host! };
  });
}
