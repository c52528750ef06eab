import { describeVerdict, getFlaggedSessions, parseInterval } from '../../core/integration.js';
import type { Project } from '../common/project.js';
import { IntegrationRadar } from '../integrate/radar.js';
import type { GuardAnnouncer } from './announcer.js';
import { AutoReviewer } from './auto-review.js';
import { Lander } from './lander.js';
import { UsageWatch } from './usage-watch.js';
import { HostRelay } from './host-relay.js';

/**
 * What the recording guard runs for the run besides watching the worktrees, each only where the
 * configuration asks for it: automatic reviews (`review.auto`), landings (`land: auto`), budgets
 * (always: `parx budget` can give a session one), the relay of hosted sessions' events (`hosts:`),
 * and the integration radar (`integrate.every`).
 * Their news goes to the guard pane; an agent's state change is what wakes them.
 */

export interface ServiceContext {
  isRecording: () => boolean;
  announcer: GuardAnnouncer;
  onError: (message: string) => void;
}

export function startRunServices(
  project: Project,
  { isRecording, announcer, onError }: ServiceContext,
): { onState: (session: string, state: string) => void; close: () => void } {
  const autoReviewer = AutoReviewer.isNeeded(project)
    ? new AutoReviewer(project, {
        isRecording,
        onVerdict: (v, needsHuman) =>
          announcer.show(
            `parx: review of ${v.session} (round ${v.round}): ${v.verdict}${v.findings.length > 0 ? `, ${v.findings.length} finding(s)` : ''}${needsHuman ? `; it needs you: parx review show ${v.session}` : ''}`,
            v.session,
          ),
        onError,
      })
    : undefined;
  const lander = Lander.isNeeded(project)
    ? new Lander(project, {
        isRecording,
        onLanding: (s) => announcer.show(`parx: landing ${s}`, s),
        onLanded: (s, commit) => announcer.show(`parx: ${s} landed as ${commit.slice(0, 9)}`, s),
        onFailed: (s, outcome) => announcer.show(`parx: ${s} did not land (${outcome}); see parx status`, s),
        onError,
        intervalMs: Number(process.env.PARX_LAND_TICK_MS) > 0 ? Number(process.env.PARX_LAND_TICK_MS) : undefined,
      })
    : undefined;
  const hostRelay = HostRelay.isNeeded(project) ? new HostRelay(project, { isRecording, announcer, onError }) : undefined;
  const usageWatch = new UsageWatch(project, {
    isRecording,
    onPaused: (s, reached) => announcer.show(`parx: ${s} is paused at its budget (${reached}): parx budget ${s} --tokens N lets it go on`, s),
    onError,
  });
  return {
    onState: (session, state) => {
      autoReviewer?.setState(session, state);
      if (state !== 'working') lander?.poke();
      usageWatch.look();
    },
    close: () => {
      autoReviewer?.close();
      lander?.close();
      usageWatch.close();
      hostRelay?.close();
    },
  };
}

/** The integration radar: its findings announced like violations, and marked on the panes' borders. */
export function startRadar(project: Project, options: ServiceContext & { onFinding: (session: string, finding: string) => void }): IntegrationRadar {
  const marked = new Set<string>();
  const radar = new IntegrationRadar(project, {
    everyMs: parseInterval(project.config.integrate!.every)!,
    isRecording: options.isRecording,
    onError: options.onError,
    onFindings: (findings, record) => {
      for (const { session, verdict } of findings) options.onFinding(session, describeVerdict(verdict));
      // The border shows what the latest integration flags, and stops showing it once fixed.
      const flagged = new Map(getFlaggedSessions(record).map(({ session, verdict }) => [session, verdict.kind === 'breaks' ? 'breaks verify' : 'conflicts']));
      for (const session of new Set([...marked, ...flagged.keys()])) {
        options.announcer.setPaneOption(session, '@parx_integration', flagged.get(session) ?? '');
        if (flagged.has(session)) marked.add(session);
        else marked.delete(session);
      }
    },
  });
  radar.start();
  return radar;
}
