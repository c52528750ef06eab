import type { Project } from '../common/project.js';
import { getSessionBudget, readSessionUsage, updateBudgetPause } from '../budget.js';
import { getTickMs, PeriodicJob } from './periodic-job.js';

/**
 * The recording guard keeps each session's usage and budget pause current: it reads what the
 * agents recorded since the last look (incrementally: a long transcript is not read again) every
 * few seconds and at each state change, and pauses a session that reached its budget. Only
 * sessions with a budget are looked at on the timer; `parx status` reads the others when asked.
 */
export class UsageWatch {
  private readonly job: PeriodicJob;

  constructor(
    private readonly project: Project,
    private readonly options: {
      isRecording: () => boolean;
      onPaused: (session: string, reached: string) => void;
      onError: (message: string) => void;
      tickMs?: number;
    },
  ) {
    this.job = new PeriodicJob(() => this.update(), {
      everyMs: options.tickMs ?? getTickMs('PARX_USAGE_TICK_MS', 3000),
      isRecording: options.isRecording,
      onError: (error) => options.onError(`usage: ${error.message}`),
    });
  }

  look(): void {
    this.job.look();
  }

  private async update(): Promise<void> {
    const state = await this.project.files.readState();
    for (const session of this.project.config.sessions) {
      const budget = getSessionBudget(state, session);
      if (!budget || !state?.sessions[session.name]) continue;
      const usage = await readSessionUsage(this.project, session, state);
      const pause = await updateBudgetPause(this.project, session, usage, budget);
      if (pause.pausedNow && pause.reached && !this.job.isStopped) this.options.onPaused(session.name, pause.reached);
    }
  }

  close(): void {
    this.job.close();
  }
}
