import { countCommitsAhead, getCommit } from '../../adapters/git.js';
import { runNiced } from '../../adapters/shell-command.js';
import { shouldReviewNow, type Verdict } from '../../core/review.js';
import { getParxArgv } from '../../package-root.js';
import type { Project } from '../common/project.js';
import { getLiveSessions } from '../common/sessions.js';
import { readSessionReview } from '../review/standing.js';

/**
 * `review: {auto: true}`: the recording guard starts a review of a session whose agent waits
 * with commits no verdict covers, when it starts waiting and on a slow tick while it waits (a
 * commit can land after the Stop hook). The review is a child process, niced (`parx review
 * <s> --auto`), which checks again under its own per-session lock: never two reviews of one
 * session at once, and none once the session needs a human.
 */

export interface AutoReviewOptions {
  isRecording: () => boolean;
  onVerdict: (verdict: Verdict, needsHuman: boolean) => void;
  onError: (message: string) => void;
  /** How often a waiting session is looked at again (default 5 s; `PARX_REVIEW_TICK_MS`). */
  tickMs?: number;
}

export class AutoReviewer {
  private readonly waiting = new Set<string>();
  private readonly busy = new Map<string, Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly project: Project,
    private readonly options: AutoReviewOptions,
  ) {
    const fromEnv = Number(process.env.PARX_REVIEW_TICK_MS);
    const tick = options.tickMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 5000);
    this.timer = setInterval(() => this.waiting.forEach((s) => this.look(s)), tick);
  }

  /** Whether any session reviews by itself: no reviewer, no work for the guard. */
  static isNeeded(project: Project): boolean {
    return project.config.sessions.some((s) => s.review?.auto);
  }

  /** A session's agent state changed. */
  setState(session: string, state: string): void {
    if (state !== 'waiting') {
      this.waiting.delete(session);
      return;
    }
    this.waiting.add(session);
    this.look(session);
  }

  private look(session: string): void {
    if (this.stopped || this.busy.has(session) || !this.options.isRecording()) return;
    const config = this.project.config.sessions.find((s) => s.name === session);
    if (!config?.review?.auto) return;
    const work = this.reviewIfDue(session)
      .catch((error: Error) => this.options.onError(`review of ${session}: ${error.message}`))
      .finally(() => this.busy.delete(session));
    this.busy.set(session, work);
  }

  private async reviewIfDue(session: string): Promise<void> {
    const { project } = this;
    const config = project.config.sessions.find((s) => s.name === session)!;
    const [live] = await getLiveSessions(project, project.state, [config]);
    const baseTip = await getCommit(project.root, `refs/heads/${project.base}`);
    if (!live?.tip || !baseTip) return;
    const review = await readSessionReview(project, config, live.tip);
    if (!review) return;
    const ahead = await countCommitsAhead(project.root, baseTip, live.tip);
    if (!shouldReviewNow(review.standing, { tip: live.tip, ahead, running: review.running !== undefined })) return;
    const child = await runNiced(getParxArgv('review', session, '--auto'), project.root);
    if (child.exitCode !== 0 && child.exitCode !== 1) {
      this.options.onError(`review of ${session}: parx review exited ${child.exitCode ?? child.signal}: ${child.stderr.trim().split('\n').at(-1) ?? ''}`);
      return;
    }
    const after = await readSessionReview(project, config, live.tip);
    const latest = after?.standing.latest;
    if (latest && latest.tip === live.tip && !this.stopped) this.options.onVerdict(latest, after.standing.needsHuman);
  }

  /** Stops looking. A review under way goes on in its own process (it holds its own lock). */
  close(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
