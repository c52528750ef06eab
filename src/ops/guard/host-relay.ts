import { runHostVerb } from '../../adapters/ssh.js';
import type { RunEvent } from '../../core/run-state.js';
import type { Project } from '../common/project.js';
import { forEachHost } from '../hosts/connection.js';
import type { GuardAnnouncer } from './announcer.js';
import { getTickMs, PeriodicJob } from './periodic-job.js';

/**
 * The recording guard's relay of hosted sessions (docs/hosts.md): every few seconds, per host
 * with running sessions, one ssh round trip for what that host's guard recorded since the last
 * (its events.jsonl from the offset relayed so far). Each event lands in this run's events.jsonl
 * with its `host`, violations and agent states mark the session's pane here as they would there.
 * An unreachable host is skipped until it answers; nothing here waits for it.
 */
export class HostRelay {
  private readonly offsets = new Map<string, number>();
  private readonly violations = new Map<string, number>();
  private readonly job: PeriodicJob;

  static isNeeded(project: Project): boolean {
    return project.config.hosted.length > 0;
  }

  constructor(
    private readonly project: Project,
    private readonly options: { isRecording: () => boolean; announcer: GuardAnnouncer; onError: (message: string) => void; tickMs?: number },
  ) {
    this.job = new PeriodicJob(() => this.relay(), {
      everyMs: options.tickMs ?? getTickMs('PARX_HOST_TICK_MS', 3000),
      isRecording: options.isRecording,
      onError: (error) => options.onError(`hosts: ${error.message}`),
    });
  }

  private async relay(): Promise<void> {
    const state = await this.project.files.readState();
    const running = this.project.config.hosted.filter((s) => state?.hosted?.[s.name]);
    const answers = await forEachHost(this.project, running, (host) =>
      runHostVerb<{ events: RunEvent[]; next: number }>(host, 'events', { dir: host.dir, from: this.offsets.get(host.name) ?? 0 }, ['events']),
    );
    for (const answer of answers) {
      if (!answer.ok || this.job.isStopped) continue;
      this.offsets.set(answer.host.name, answer.value.next);
      const ours = new Set(answer.sessions.map((s) => s.name));
      for (const event of answer.value.events) {
        const session = typeof event.session === 'string' && ours.has(event.session) ? event.session : undefined;
        // The host's own run events (its up, its guard starting) are the host's business.
        if (!session) continue;
        this.mark(session, event);
        this.options.announcer.announce({ ...event, host: answer.host.name }, describe(event, answer.host.name), session);
      }
    }
  }

  private mark(session: string, event: RunEvent): void {
    if (event.type === 'violation') {
      const count = (this.violations.get(session) ?? 0) + 1;
      this.violations.set(session, count);
      this.options.announcer.setPaneOption(session, '@parx_violations', String(count));
    } else if (event.type === 'state' && typeof event.state === 'string') {
      this.options.announcer.setPaneOption(session, '@parx_state', event.state);
    }
  }

  close(): void {
    this.job.close();
  }
}

function describe(event: RunEvent, host: string): string | undefined {
  if (event.type === 'violation') return `parx: ${String(event.session)} (host ${host}) changed ${String(event.path)}, which it does not own`;
  if (event.type === 'denied') return `parx: ${String(event.session)} (host ${host}) was denied ${String(event.path)}`;
  return undefined;
}
