import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { writeFileAtomically } from '../../adapters/untrusted-files.js';
import { getCommit, runGit } from '../../adapters/git.js';
import { describeVerdict, getStaleness } from '../../core/integration.js';
import { RefusedError, UsageError } from '../../core/errors.js';
import { getReviewStanding, parseFindings, type Finding, type ReviewAnswer, type Verdict } from '../../core/review.js';
import { loadProject, type Project, type ProjectOptions } from '../common/project.js';
import { getLiveSessions } from '../common/sessions.js';
import { findSession, recordVerdict } from './run-reviews.js';
import { getReviewFiles, getReviewSettings } from './standing.js';

/**
 * The answers to a review: the reviewer's (`parx review submit`, from inside its sandbox) and
 * the human's (`approve`, `reject`), and the packet the human decides from (`show`).
 */

export interface SubmitOptions {
  verdict: 'pass' | 'changes';
  /** A file of findings (JSON), or `-` for standard input. */
  findings?: string;
  summary?: string;
}

/**
 * The reviewer's answer, left in its answer folder for `parx review` to read once it has ended.
 * Runs inside the reviewer's sandbox: it touches nothing but that file. Malformed findings are
 * refused with what is wrong (exit 2) and nothing is written, so the reviewer can try again.
 */
export async function submitReview(
  options: SubmitOptions,
  env: NodeJS.ProcessEnv,
  readStdin: () => Promise<string>,
): Promise<{ session: string; tip: string; answer: ReviewAnswer }> {
  const answerFile = env.PARX_REVIEW_ANSWER;
  const tip = env.PARX_REVIEW_TIP;
  const session = env.PARX_SESSION;
  if (!answerFile || !tip || !session) {
    throw new UsageError('parx review submit answers a review: it runs inside a reviewer that `parx review` started (PARX_REVIEW_ANSWER is not set here)');
  }
  let findings: Finding[] = [];
  if (options.findings !== undefined) {
    const text =
      options.findings === '-'
        ? await readStdin()
        : await readFile(options.findings, 'utf8').catch((e: Error) => {
            throw new UsageError(`cannot read the findings file ${options.findings}: ${e.message}`);
          });
    const parsed = parseFindings(text);
    if (!parsed.ok) throw new UsageError(`${parsed.problem}; nothing was submitted: fix the findings and submit again`);
    findings = parsed.findings;
  }
  const summary = options.summary?.trim() ?? '';
  if (options.verdict === 'changes' && findings.length === 0 && !summary) {
    throw new UsageError('--changes needs the changes: --findings with at least one finding, or --summary saying what to change');
  }
  const answer: ReviewAnswer = { verdict: options.verdict, findings, summary };
  await writeFileAtomically(answerFile, `${JSON.stringify(answer)}\n`);
  return { session, tip, answer };
}

export interface HumanVerdictOptions extends ProjectOptions {
  session: string;
  verdict: 'pass' | 'changes';
  why?: string;
  /** The tip the human looked at (`--tip`); default: the one `parx review show` last showed. */
  tip?: string;
}

/** The human's verdict on the session's current tip; refused when the tip moved since they looked. */
export async function recordHumanVerdict(options: HumanVerdictOptions): Promise<{ verdict: Verdict; needsHuman: boolean }> {
  const project = await loadProject(options);
  const session = findSession(project, options.session);
  const settings = getReviewSettings(project, session, true);
  if (!settings) throw new UsageError(`${session.name} has review: false in the configuration`);
  const tip = await getReviewableTip(project, session.name);
  const files = getReviewFiles(project);
  const looked = options.tip ?? (await files.readShownTip(session.name));
  if (looked && !tip.startsWith(looked) && looked !== tip) {
    throw new RefusedError(
      `parx/${session.name} moved since you looked: you saw ${looked.slice(0, 9)}, it is at ${tip.slice(0, 9)} now; run \`parx review show ${session.name}\` and decide again`,
    );
  }
  const baseTip = (await getCommit(project.root, `refs/heads/${project.base}`)) ?? tip;
  const verdicts = await files.readVerdicts(session.name);
  const verdict: Verdict = {
    session: session.name,
    tip,
    base: (await runGit(project.root, ['merge-base', baseTip, tip])).trim(),
    round: getReviewStanding(verdicts, tip, settings.rounds).nextRound,
    verdict: options.verdict,
    by: 'human',
    reviewer: safeUserName(),
    findings: [],
    summary: options.why?.trim() ?? '',
    time: new Date().toISOString(),
  };
  const needsHuman = await recordVerdict(project, verdict, settings);
  return { verdict, needsHuman };
}

/** The branch's verified tip, with commits base does not have; refused otherwise. */
async function getReviewableTip(project: Project, session: string): Promise<string> {
  const [live] = await getLiveSessions(project, project.state, [findSession(project, session)]);
  if (live!.objectsProblem) throw new RefusedError(`cannot review ${session}: ${live!.objectsProblem}`);
  if (!live!.tip) throw new RefusedError(`${session} has no branch parx/${session}: nothing to review`);
  return live!.tip;
}

export interface ReviewPacket {
  session: string;
  tip: string;
  base: string;
  baseBranch: string;
  /** The latest verdict, and whether it judged another commit. */
  review: (Verdict & { stale: boolean }) | null;
  round: number;
  needsHuman: boolean;
  running: boolean;
  /** `git diff --stat base...tip`, its lines. */
  diffStat: string[];
  integration: { time: string; finding: string; stale: string | null } | null;
}

/** What the human decides from; remembers the tip shown, which `approve` and `reject` hold them to. */
export async function showReview(options: ProjectOptions & { session: string }): Promise<ReviewPacket> {
  const project = await loadProject(options);
  const session = findSession(project, options.session);
  const tip = await getReviewableTip(project, session.name);
  const files = getReviewFiles(project);
  const baseTip = (await getCommit(project.root, `refs/heads/${project.base}`)) ?? tip;
  const [base, verdicts, running, integration] = await Promise.all([
    runGit(project.root, ['merge-base', baseTip, tip]).then((s) => s.trim()),
    files.readVerdicts(session.name),
    project.files.readRunningReview(session.name),
    project.files.readIntegration(),
  ]);
  const rounds = getReviewSettings(project, session, true)?.rounds ?? 3;
  const standing = getReviewStanding(verdicts, tip, rounds);
  const diffStat = (await runGit(project.root, ['diff', '--stat=100', `${base}...${tip}`])).split('\n').filter(Boolean);
  await files.writeShownTip(session.name, tip);
  const verdict = integration?.sessions[session.name];
  return {
    session: session.name,
    tip,
    base,
    baseBranch: project.base,
    review: standing.latest ? { ...standing.latest, stale: standing.stale } : null,
    round: standing.latest?.round ?? 0,
    needsHuman: standing.needsHuman,
    running: running !== undefined,
    diffStat,
    integration:
      integration && verdict
        ? { time: integration.time, finding: describeVerdict(verdict), stale: getStaleness(integration, session.name, tip, baseTip) ?? null }
        : null,
  };
}

function safeUserName(): string {
  try {
    return userInfo().username || 'human';
  } catch {
    return 'human';
  }
}
