import { runHostVerb } from '../../adapters/ssh.js';
import type { SessionConfig } from '../../core/config-validate.js';
import type { RunState } from '../../core/run-state.js';
import type { Project } from '../common/project.js';
import { forEachHost } from './connection.js';

/** What this module sets of a status row (ops/status.ts SessionStatus). */
interface HostedRow {
  name: string;
  state: string;
  host: string | null;
  unreachable: string | null;
  needsHuman: string | null;
}

/**
 * `parx status` for hosted sessions (docs/hosts.md): one ssh round trip per host (the host's own
 * `parx status` of its run), whatever the number of its sessions. What the host says is shown as
 * it is (its worktree path is the host's), with `host` set; status gives it this machine's pane.
 * A host that cannot be reached makes its sessions `unreachable`, and nothing else waits for it.
 */
export async function readHostedStatuses<Row extends HostedRow>(
  project: Project,
  state: RunState | undefined,
  /** The row of a session the host is not asked about (not started there, or landed and gone). */
  emptyStatus: (session: SessionConfig) => Row,
): Promise<Row[]> {
  const hosted = project.config.hosted;
  if (hosted.length === 0) return [];
  const running = hosted.filter((s) => state?.hosted?.[s.name]);
  const answers = await forEachHost(project, running, (host) => runHostVerb<{ sessions: Row[] }>(host, 'status', { dir: host.dir }, ['sessions']));
  const rows = new Map<string, Row>();
  for (const answer of answers)
    for (const session of answer.sessions) {
      const there = answer.ok ? answer.value.sessions.find((s) => s.name === session.name) : undefined;
      const row = there ?? emptyStatus(session);
      if (!answer.ok) Object.assign(row, { state: 'unreachable', needsHuman: null, unreachable: answer.reason });
      rows.set(session.name, row);
    }
  return hosted.map((session): Row => ({ ...(rows.get(session.name) ?? emptyStatus(session)), host: session.host! }));
}
