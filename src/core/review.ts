import * as z from 'zod/mini';

/**
 * The review stage as data (docs/review.md): what a verdict is, which one counts for a tip, when
 * a session needs a human, and what the reviewer and the author are told. Pure; ops/review/ runs
 * reviewers and records verdicts, which only parx writes.
 *
 * A verdict is bound to the commit it judged: once the branch moves on, it is `stale` and no
 * longer lets `down` land the session.
 */

export const SEVERITIES = ['blocker', 'major', 'minor', 'nit'] as const;
export type Severity = (typeof SEVERITIES)[number];

const findingSchema = z.object({
  file: z.string().check(z.minLength(1), z.maxLength(4096)),
  line: z.optional(z.int().check(z.minimum(0))),
  severity: z.enum(SEVERITIES),
  text: z.string().check(z.minLength(1), z.maxLength(20_000)),
});
export type Finding = z.output<typeof findingSchema>;

/** At most this many findings are kept per verdict: a reviewer is not a log stream. */
export const MAX_FINDINGS = 200;
const findingsSchema = z.array(findingSchema).check(z.maxLength(MAX_FINDINGS));

export type VerdictKind = 'pass' | 'changes' | 'error';

export interface Verdict {
  session: string;
  /** The commit judged: the author's tip when the review started. */
  tip: string;
  /** Where the reviewed range starts: the merge base of base and tip. */
  base: string;
  round: number;
  verdict: VerdictKind;
  by: 'agent' | 'human';
  /** The reviewer's command line (agent), or who decided (human). */
  reviewer: string;
  findings: Finding[];
  summary: string;
  time: string;
}

/** What `parx review submit` leaves for parx: the reviewer's answer, before parx binds it to a tip. */
const answerSchema = z.object({
  verdict: z.enum(['pass', 'changes']),
  findings: findingsSchema,
  summary: z.string().check(z.maxLength(20_000)),
});
export type ReviewAnswer = z.output<typeof answerSchema>;

/** Findings as the reviewer wrote them (JSON text): the list, or why it is not one, said so the reviewer can fix it. */
export function parseFindings(text: string): { ok: true; findings: Finding[] } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `the findings are not JSON: ${(error as Error).message}` };
  }
  const parsed = findingsSchema.safeParse(value);
  if (parsed.success) return { ok: true, findings: parsed.data };
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length > 0 ? ` at ${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}` : '';
  return {
    ok: false,
    problem: `the findings${where}: ${issue.message}; expected [{"file": "src/x.ts", "line": 12, "severity": "blocker|major|minor|nit", "text": "what is wrong"}]`,
  };
}

/** The answer file a reviewer left, checked; anything else is the reviewer failing to answer. */
export function parseAnswer(value: unknown): ReviewAnswer | undefined {
  const parsed = answerSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Where a session stands with its reviews, given its verdicts (oldest first) and its tip now. */
export interface ReviewStanding {
  latest: Verdict | undefined;
  /** The latest verdict judged another commit than the tip. */
  stale: boolean;
  /** The tip has a pass: `down` may land it. */
  passed: boolean;
  /** The round the next review is. */
  nextRound: number;
  /** Reviews that asked for changes or failed since the last pass or human verdict. */
  failures: number;
  /** `failures` reached `rounds`: no more automatic reviews until a human decides. */
  needsHuman: boolean;
}

export function getReviewStanding(verdicts: readonly Verdict[], tip: string | undefined, rounds: number): ReviewStanding {
  const latest = verdicts.at(-1);
  const stale = latest !== undefined && latest.tip !== tip;
  let failures = 0;
  for (const v of verdicts) {
    if (v.by === 'human' || v.verdict === 'pass') failures = 0;
    else failures++;
  }
  return {
    latest,
    stale,
    passed: latest !== undefined && !stale && latest.verdict === 'pass',
    nextRound: verdicts.length + 1,
    failures,
    needsHuman: failures >= rounds,
  };
}

/**
 * Whether an automatic review should start for a session now: it has commits, no verdict covers
 * its tip, none is running, and it does not need a human.
 */
export function shouldReviewNow(standing: ReviewStanding, facts: { tip: string | undefined; ahead: number; running: boolean }): boolean {
  if (!facts.tip || facts.ahead === 0 || facts.running || standing.needsHuman) return false;
  return standing.latest === undefined || standing.stale;
}

/** A session's review as status shows it (SessionStatus.review). */
export interface ReviewCellInput {
  verdict: VerdictKind | null;
  stale: boolean;
  findings: readonly Finding[];
  running: boolean;
}

/** The status column: `reviewing`, `needs human`, `stale`, `pass`, `changes 2` (findings), `error`, `—`. */
export function describeReviewCell(review: ReviewCellInput | null, needsHuman: boolean): string {
  if (review?.running) return 'reviewing';
  if (needsHuman) return 'needs human';
  if (!review?.verdict) return '—';
  if (review.stale) return 'stale';
  if (review.verdict === 'changes') return `changes ${review.findings.length}`;
  return review.verdict;
}

/** One finding as a line: `src/a.ts:12 [major] text` (the text's first line). */
export function describeFinding(f: Finding): string {
  const firstLine = f.text.split('\n')[0]!.slice(0, 300);
  return `${f.file}${f.line !== undefined ? `:${f.line}` : ''} [${f.severity}] ${firstLine}`;
}

/** The findings the author's agent is sent at its next turn boundary: short, most severe first. */
export function formatFindingsMessage(v: Verdict, limit = 20): string {
  const who = v.by === 'human' ? 'The human reviewing your work' : `Review round ${v.round} of your commit ${v.tip.slice(0, 9)}`;
  const ordered = [...v.findings].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  const lines = [`${who} asks for changes:`, ...ordered.slice(0, limit).map((f) => `- ${describeFinding(f)}`)];
  if (ordered.length > limit) lines.push(`- … and ${ordered.length - limit} more (\`parx review show ${v.session}\` lists them all)`);
  if (v.summary.trim()) lines.push(v.summary.trim());
  lines.push('Fix these in your own files, commit, then end your turn.');
  return lines.join('\n');
}

export interface ReviewerPromptFacts {
  session: string;
  task: string;
  base: string;
  tip: string;
  baseBranch: string;
  owns: readonly string[];
  instructions: string | undefined;
  round: number;
  /**
   * How the reviewer runs parx: the absolute path of parx's own launcher, shell-quoted. Not
   * `parx` from PATH: agents run commands in login shells, which set PATH afresh.
   */
  parx: string;
}

/**
 * The reviewer's prompt: fresh context, the author's task, the range, what the author owns, the
 * user's instructions, and exactly how to answer. The reviewer runs where nothing is writable
 * but its answer; it is told so, so it does not spend its turn trying to fix things.
 */
export function buildReviewerPrompt(f: ReviewerPromptFacts): string {
  return [
    `# Review of parx session "${f.session}" (round ${f.round})`,
    '',
    `You are reviewing another agent's committed work. You are in a read-only checkout of its commit ${f.tip}: you cannot change`,
    'files, commit, or move branches here, and you must not try. Read, run read-only git commands, judge, then answer.',
    '',
    `The changes to review: \`git diff ${f.base}...${f.tip}\` (\`git log ${f.base}..${f.tip}\` for the commits), on top of ${f.baseBranch}.`,
    `The author owns (and may change only) these files: ${f.owns.join(', ')}.`,
    '',
    "## The author's task",
    '',
    f.task.trim(),
    ...(f.instructions?.trim() ? ['', '## What to look for', '', f.instructions.trim()] : []),
    '',
    '## How to answer (exactly one of these, as your last step)',
    '',
    `- The work is right: \`${f.parx} review submit --pass --summary "one line on why"\``,
    `- It needs changes: \`${f.parx} review submit --changes --summary "one line" --findings -\` with a JSON list on standard input, e.g.`,
    `  \`echo '[{"file":"src/a.ts","line":12,"severity":"major","text":"what is wrong and what to do"}]' | ${f.parx} review submit --changes --findings -\``,
    '  severity is one of blocker, major, minor, nit. Report only what you are sure of, in files the author owns.',
    '',
    'If `review submit` says your findings are malformed, fix them and submit again. Ending without submitting counts as a failed review.',
    '',
  ].join('\n');
}
