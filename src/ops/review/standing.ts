import { ReviewFiles } from '../../adapters/review-files.js';
import type { ReviewSettings, SessionConfig } from '../../core/config-validate.js';
import { getReviewStanding, type ReviewStanding, type Verdict } from '../../core/review.js';
import type { Project } from '../common/project.js';

/**
 * What every command that shows or gates on reviews reads: a session's review settings, its
 * verdicts, whether a review runs now, and where that leaves its tip (core/review.ts).
 */

export interface SessionReview {
  settings: ReviewSettings;
  verdicts: Verdict[];
  standing: ReviewStanding;
  /** The tip a review under way is judging, if one runs. */
  running: string | undefined;
}

export function getReviewFiles(project: Project): ReviewFiles {
  return new ReviewFiles(project.files.dir);
}

/**
 * The settings a review of `session` runs with: its own, or, when the human names a session
 * that has none (no `review:` in the config), the defaults; undefined only for `review: false`.
 */
export function getReviewSettings(project: Project, session: SessionConfig, named: boolean): ReviewSettings | undefined {
  if (session.review) return session.review;
  const raw = project.config.sessions.find((s) => s.name === session.name);
  if (!named || raw === undefined || isReviewTurnedOff(project, session.name)) return undefined;
  return { agent: project.config.agent, instructions: undefined, rounds: 3, required: false, auto: false, timeoutMs: 20 * 60_000 };
}

/** The session says `review: false` (as opposed to no `review:` anywhere). */
function isReviewTurnedOff(project: Project, session: string): boolean {
  return project.config.review !== undefined && project.config.sessions.find((s) => s.name === session)?.review === undefined;
}

/** A session's review facts for its tip now; undefined when it has no review stage and no verdicts. */
export async function readSessionReview(project: Project, session: SessionConfig, tip: string | undefined): Promise<SessionReview | undefined> {
  const files = getReviewFiles(project);
  const [verdicts, running] = await Promise.all([files.readVerdicts(session.name), project.files.readRunningReview(session.name)]);
  const settings = session.review ?? (verdicts.length > 0 ? getReviewSettings(project, session, true) : undefined);
  if (!settings) return undefined;
  return { settings, verdicts, standing: getReviewStanding(verdicts, tip, settings.rounds), running: running?.tip };
}
