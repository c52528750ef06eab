import { availableParallelism } from 'node:os';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../../adapters/untrusted-files.js';
import { countCommitsAhead, getCommit, runGit } from '../../adapters/git.js';
import { tellHuman } from '../common/tell-human.js';
import type { ReviewRoom } from '../../adapters/review-files.js';
import { ensureScratchWorktree, removeScratchWorktree } from '../../adapters/scratch-worktree.js';
import { quoteShellWord } from '../../core/agent-hooks.js';
import type { ReviewSettings, SessionConfig } from '../../core/config-validate.js';
import { RefusedError } from '../../core/errors.js';
import {
  buildReviewerPrompt,
  formatFindingsMessage,
  getReviewStanding,
  parseAnswer,
  shouldReviewNow,
  type Verdict,
  type VerdictKind,
} from '../../core/review.js';
import { buildReviewerArgv, getReviewerClaudeSettings } from '../../core/reviewer-command.js';
import { getParxArgv } from '../../package-root.js';
import { prepareCommandRunner } from '../common/command-sandbox.js';
import { limitConcurrency } from '../common/limit-concurrency.js';
import { sendToAgent } from '../common/messages.js';
import { loadProject, type Project, type ProjectOptions } from '../common/project.js';
import { getLiveSessions, selectSessions, type LiveSession } from '../common/sessions.js';
import { getReviewFiles, getReviewSettings } from './standing.js';

/**
 * `parx review [SESSION...]`: reviews the sessions' committed tips now and waits for the
 * verdicts. Each review runs in a room of its own (adapters/review-files.ts): a fresh detached
 * checkout of the tip, in the OS sandbox with nothing writable but its answer folder, temp folders
 * and the agents' caches, so a reviewer can read, run read-only commands and answer, and cannot
 * act as a second author: the author's worktree and branch, base, the main checkout and every ref
 * are read-only to it. Its verdict is bound to the tip parx recorded when it started, never to
 * anything the reviewer says.
 */

export interface ReviewOptions extends ProjectOptions {
  /** Only these sessions (default: those with commits no verdict covers). */
  sessions?: string[];
  /** The guard's automatic review: only when `auto` is on and the tip needs one. */
  auto?: boolean;
  onProgress?: (event: ReviewProgress) => void;
}

export type ReviewProgress =
  | { type: 'started'; session: string; tip: string; round: number; reviewer: string; sandboxed: boolean; note: string | undefined }
  | { type: 'verdict'; verdict: Verdict };

export interface ReviewOutcome {
  session: string;
  /** The verdict recorded, when a reviewer ran. */
  verdict: Verdict | undefined;
  /** Why no verdict was recorded (nothing to review, one under way, the human reviews). */
  skipped: string | undefined;
  /** The session needs a human now (its rounds are used up). */
  needsHuman: boolean;
}

/** At most this many reviewers at once: each is an agent process with a model turn or more. */
export const REVIEW_CONCURRENCY = Math.min(4, Math.max(2, availableParallelism()));

export async function runReviews(options: ReviewOptions = {}): Promise<ReviewOutcome[]> {
  const project = await loadProject(options);
  const named = options.sessions ?? [];
  const configs = selectSessions(project.config.sessions, named);
  const live = await getLiveSessions(project, project.state, configs);
  const baseTip = await getCommit(project.root, `refs/heads/${project.base}`);
  if (!baseTip) throw new RefusedError(`the base branch ${project.base} does not exist`);
  const files = getReviewFiles(project);

  const plans = await Promise.all(
    live.map(async (s) => {
      const settings = getReviewSettings(project, s.config, named.includes(s.name));
      if (!settings) return { s, settings, skip: named.length > 0 ? `review: false in the configuration` : undefined };
      if (s.objectsProblem) return { s, settings, skip: s.objectsProblem };
      const ahead = s.tip ? await countCommitsAhead(project.root, baseTip, s.tip) : 0;
      if (!s.tip || ahead === 0)
        return { s, settings, skip: `it has no commits to review (${s.tip ? `parx/${s.name} is in ${project.base}` : `no branch parx/${s.name}`})` };
      const verdicts = await files.readVerdicts(s.name);
      const running = (await project.files.readRunningReview(s.name)) !== undefined;
      const standing = getReviewStanding(verdicts, s.tip, settings.rounds);
      // The human naming a session asks for a review now; otherwise only tips no verdict covers.
      const due = named.includes(s.name) && !options.auto ? !running : shouldReviewNow(standing, { tip: s.tip, ahead, running });
      const skip = due
        ? undefined
        : running
          ? 'a review of it is under way'
          : standing.needsHuman
            ? `it needs a human: \`parx review show ${s.name}\`, then approve or reject`
            : 'its tip has a verdict already';
      if (!skip && options.auto && !settings.auto) return { s, settings, skip: 'review.auto is off' };
      return { s, settings, skip, round: standing.nextRound };
    }),
  );
  // A named session that cannot be reviewed at all is the human's mistake: said, exit 1.
  const impossible = plans.filter((p) => named.includes(p.s.name) && p.skip && !options.auto && p.skip !== 'a review of it is under way');
  if (impossible.length > 0) throw new RefusedError(impossible.map((p) => `cannot review ${p.s.name}: ${p.skip}`).join('; '));

  const limit = limitConcurrency(REVIEW_CONCURRENCY);
  return Promise.all(
    plans.map((p) =>
      p.skip || !p.settings
        ? Promise.resolve<ReviewOutcome>({ session: p.s.name, verdict: undefined, skipped: p.skip ?? 'no review', needsHuman: false })
        : limit(() => reviewOne(project, p.s, p.settings, baseTip, p.round ?? 1, options.onProgress)),
    ),
  ).then((outcomes) => (named.length > 0 ? outcomes : outcomes.filter((o) => o.verdict || o.skipped === 'a review of it is under way')));
}

/** One review, start to verdict: lock, room, reviewer, answer, record, tell the author. */
async function reviewOne(
  project: Project,
  live: LiveSession,
  settings: ReviewSettings,
  baseTip: string,
  round: number,
  onProgress: ReviewOptions['onProgress'],
): Promise<ReviewOutcome> {
  const session = live.config;
  const tip = live.tip!;
  const lock = await project.files.acquireReviewLock(session.name, tip);
  if ('holder' in lock) return { session: session.name, verdict: undefined, skipped: 'a review of it is under way', needsHuman: false };
  const files = getReviewFiles(project);
  let room: ReviewRoom | undefined;
  try {
    const base = (await runGit(project.root, ['merge-base', baseTip, tip])).trim();
    room = await files.makeRoom(session.name, round);
    await ensureScratchWorktree(project.root, room.checkout, tip);
    const shim = await files.writeParxShim(getParxArgv(), quoteShellWord);
    const prompt = buildReviewerPrompt({
      session: session.name,
      task: session.task,
      base,
      tip,
      baseBranch: project.base,
      owns: session.owns,
      instructions: settings.instructions,
      round,
      parx: quoteShellWord(join(shim, 'parx')),
    });
    const promptFile = join(room.dir, 'prompt.md');
    await writeFileAtomically(promptFile, prompt);
    const argv = buildReviewerArgv(
      settings.agent,
      { text: prompt, file: promptFile },
      { claudeSettings: await files.writeClaudeSettings(getReviewerClaudeSettings()) },
    );
    if (!argv)
      return {
        session: session.name,
        verdict: undefined,
        skipped: 'review.agent is shell: the human reviews (`parx review show`, then approve or reject)',
        needsHuman: false,
      };
    const runner = await prepareCommandRunner(project, room.checkout, { readOnlyCheckout: true, writable: [room.answerDir] });
    onProgress?.({ type: 'started', session: session.name, tip, round, reviewer: settings.agent, sandboxed: runner.sandboxed, note: runner.note });
    const vars = {
      PARX_SESSION: session.name,
      PARX_REVIEW_BASE: base,
      PARX_REVIEW_TIP: tip,
      PARX_REVIEW_ROUND: String(round),
      PARX_REVIEW_ANSWER: room.answerFile,
      PATH: `${shim}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      ...project.config.env,
    };
    const outcome = await runner.runArgv(argv, vars, settings.timeoutMs);
    const answer = parseAnswer(await files.readAnswer(room));
    const failure = answer
      ? undefined
      : outcome.timedOut
        ? `the reviewer did not answer within ${Math.round(settings.timeoutMs / 1000)}s`
        : `the reviewer ended (exit ${outcome.exitCode ?? 'by a signal'}) without \`parx review submit\``;
    const tail = outcome.output.trim().split('\n').slice(-5).join('\n');
    const verdict: Verdict = {
      session: session.name,
      tip,
      base,
      round,
      verdict: (answer?.verdict ?? 'error') satisfies VerdictKind,
      by: 'agent',
      reviewer: settings.agent,
      findings: answer?.findings ?? [],
      summary: answer ? answer.summary : `${failure}${tail ? `; its last output: ${tail}` : ''}`,
      time: new Date().toISOString(),
    };
    const needsHuman = await recordVerdict(project, verdict, settings);
    onProgress?.({ type: 'verdict', verdict });
    return { session: session.name, verdict, skipped: undefined, needsHuman };
  } finally {
    if (room) {
      await removeScratchWorktree(project.root, room.checkout).catch(() => {});
      await rm(room.dir, { recursive: true, force: true }).catch(() => {});
    }
    await lock.release();
  }
}

/**
 * Records a verdict (agent's or human's), says so in events.jsonl, sends a `changes` verdict's
 * findings to the author's agent, and tells the human when the session now needs them. Returns
 * whether it needs a human.
 */
export async function recordVerdict(project: Project, verdict: Verdict, settings: ReviewSettings): Promise<boolean> {
  const files = getReviewFiles(project);
  const verdicts = await files.readVerdicts(verdict.session);
  const before = getReviewStanding(verdicts, verdict.tip, settings.rounds);
  await files.appendVerdict(verdict);
  const after = getReviewStanding([...verdicts, verdict], verdict.tip, settings.rounds);
  await project.files.appendEvent({
    type: 'review',
    session: verdict.session,
    tip: verdict.tip,
    round: verdict.round,
    verdict: verdict.verdict,
    by: verdict.by,
    findings: verdict.findings,
  });
  if (verdict.verdict === 'changes') await sendToAgent(project, verdict.session, 'parx', formatFindingsMessage(verdict));
  if (after.needsHuman && !before.needsHuman) {
    const reason = `${after.failures} review(s) in a row asked for changes or failed; the last: ${verdict.verdict}${verdict.summary ? ` (${verdict.summary.split('\n')[0]!.slice(0, 200)})` : ''}`;
    await project.files.appendEvent({ type: 'needs-human', session: verdict.session, reason });
    await tellHuman(project, 'needs-human', verdict.session, `${verdict.session} needs you: ${reason}; see \`parx review show ${verdict.session}\``);
  }
  return after.needsHuman;
}

/** The sessions whose names the human gave, for `approve`/`reject`/`show`: one, configured. */
export function findSession(project: Project, name: string): SessionConfig {
  return selectSessions(project.config.sessions, [name])[0]!;
}
