import { getSessionBranch } from '../../core/session-names.js';
import { countCommitsAhead } from '../../adapters/git.js';
import type { Violation } from '../../core/changes.js';
import type { SessionConfig } from '../../core/config-validate.js';
import type { Project } from '../common/project.js';
import type { LiveSession } from '../common/sessions.js';
import { fetchHostedSessions } from './fetch.js';

/**
 * Hosted sessions as `parx integrate` merges them (docs/hosts.md): each one's tip fetched from its
 * host (ops/hosts/fetch.ts), with what it has not committed and its violations as the host found
 * them. A session whose host cannot be reached comes with why, and no tip.
 */
export interface HostedTip {
  live: LiveSession;
  facts: { ahead: number; uncommitted: string[]; violations: Violation[] };
  unreachable?: string;
}

export async function readHostedTips(project: Project, sessions: readonly SessionConfig[], baseTip: string): Promise<HostedTip[]> {
  if (sessions.length === 0) return [];
  const answers = await fetchHostedSessions(project, sessions);
  return Promise.all(
    sessions.map(async (session): Promise<HostedTip> => {
      const answer = answers.find((a) => a.sessions.includes(session))!;
      const there = answer.ok ? answer.value.sessions.find((s) => s.name === session.name) : undefined;
      const tip = answer.ok && there?.tip && answer.value.fetched.has(session.name) ? there.tip : undefined;
      const live: LiveSession = {
        config: session,
        name: session.name,
        branch: getSessionBranch(session.name),
        worktree: project.root,
        hasWorktree: false,
        hasBranch: Boolean(tip),
        tip,
        pane: undefined,
      };
      const refusals = there?.refusals ?? [];
      return {
        live,
        facts: {
          ahead: tip ? await countCommitsAhead(project.root, baseTip, tip) : 0,
          uncommitted: refusals.flatMap((r) => (r.kind === 'dirty' ? r.files : [])),
          violations: refusals.flatMap((r) => (r.kind === 'violations' ? r.violations : [])),
        },
        ...(!answer.ok && { unreachable: `host ${answer.host.name} cannot be asked: ${answer.reason}` }),
      };
    }),
  );
}
