import { text } from 'node:stream/consumers';
import { UsageError } from '../../core/errors.js';
import { describeFinding, type Verdict } from '../../core/review.js';
import { runReviews, type ReviewOutcome } from '../../ops/review/run-reviews.js';
import { recordHumanVerdict, showReview, submitReview } from '../../ops/review/verdicts.js';
import type { GlobalOptions } from '../options.js';
import { print, printError, printJson, safe, style } from '../output.js';

/** `parx review [SESSION...]`: exit 0 when every review passed (or there was nothing to review), 1 otherwise. */
export async function reviewCommand(sessions: string[], options: GlobalOptions & { json?: boolean; auto?: boolean }): Promise<number> {
  const outcomes = await runReviews({
    configPath: options.config,
    sessions,
    auto: options.auto,
    onProgress: options.json
      ? undefined
      : (event) => {
          if (event.type !== 'started') return;
          print(`${style.dim('…')} ${style.bold(event.session)} review round ${event.round} of ${event.tip.slice(0, 9)} by ${safe(event.reviewer)}`);
          if (!event.sandboxed) printError(`parx: the reviewer of ${event.session} is not confined: ${event.note ?? 'no sandbox'}`);
        },
  });
  const ok =
    outcomes.every((o) => o.verdict === undefined || o.verdict.verdict === 'pass') && outcomes.every((o) => o.verdict || !o.skipped?.includes('shell'));
  if (options.json) {
    printJson({ ok, reviews: outcomes.flatMap((o) => (o.verdict ? [o.verdict] : [])) });
    return ok ? 0 : 1;
  }
  if (outcomes.length === 0) print('Nothing to review: every session with commits has a verdict on its tip.');
  for (const o of outcomes) printOutcome(o);
  return ok ? 0 : 1;
}

function printOutcome(o: ReviewOutcome): void {
  const label = style.bold(o.session);
  if (!o.verdict) {
    print(`${style.dim('–')} ${label} ${safe(o.skipped ?? '')}`);
    return;
  }
  printVerdict(o.verdict);
  if (o.needsHuman) print(`  ${style.yellow('needs a human')}: no more automatic reviews; \`parx review show ${o.session}\`, then approve or reject`);
}

function printVerdict(v: Verdict): void {
  const mark = v.verdict === 'pass' ? style.green('✓ pass') : v.verdict === 'changes' ? style.yellow('✗ changes') : style.red('✗ error');
  print(
    `${mark} ${style.bold(v.session)} round ${v.round} at ${v.tip.slice(0, 9)}${v.by === 'human' ? ` by ${safe(v.reviewer)}` : ''}${v.summary ? `: ${safe(v.summary.split('\n')[0]!)}` : ''}`,
  );
  for (const f of v.findings.slice(0, 20)) print(`    ${safe(describeFinding(f))}`);
  if (v.findings.length > 20) print(style.dim(`    … ${v.findings.length - 20} more: parx review show ${v.session}`));
}

/** `parx review submit`: the reviewer's answer. Exit 0 when it was taken, 2 when it must be fixed. */
export async function reviewSubmitCommand(options: { pass?: boolean; changes?: boolean; findings?: string; summary?: string }): Promise<number> {
  if (Boolean(options.pass) === Boolean(options.changes)) throw new UsageError('give exactly one of --pass and --changes');
  const { session, tip, answer } = await submitReview(
    { verdict: options.pass ? 'pass' : 'changes', findings: options.findings, summary: options.summary },
    process.env,
    () => text(process.stdin),
  );
  print(`Submitted: ${answer.verdict}${answer.findings.length > 0 ? ` with ${answer.findings.length} finding(s)` : ''} on ${session} at ${tip.slice(0, 9)}.`);
  return 0;
}

/** `parx review approve|reject <session>`: the human's verdict on the current tip. */
export async function reviewDecideCommand(
  session: string,
  verdict: 'pass' | 'changes',
  options: GlobalOptions & { why?: string; tip?: string },
): Promise<number> {
  const result = await recordHumanVerdict({ configPath: options.config, session, verdict, why: options.why, tip: options.tip });
  printVerdict(result.verdict);
  if (verdict === 'changes') print(style.dim(`  ${session}'s agent gets this at its next turn boundary`));
  return 0;
}

/** `parx review show <session>`: the decision packet. */
export async function reviewShowCommand(session: string, options: GlobalOptions & { json?: boolean }): Promise<number> {
  const packet = await showReview({ configPath: options.config, session });
  if (options.json) {
    printJson(packet);
    return 0;
  }
  print(`${style.bold(packet.session)}  parx/${packet.session} at ${packet.tip.slice(0, 9)}, on ${safe(packet.baseBranch)} from ${packet.base.slice(0, 9)}`);
  const r = packet.review;
  if (packet.running) print(`review: ${style.yellow('a review is under way')}`);
  if (!r) print('review: none yet');
  else {
    const state = r.stale ? style.yellow(`stale (it judged ${r.tip.slice(0, 9)})`) : r.verdict === 'pass' ? style.green('pass') : style.yellow(r.verdict);
    print(`review: ${state}, round ${r.round}, by ${r.by === 'human' ? safe(r.reviewer) : `the reviewer (${safe(r.reviewer)})`}, ${r.time}`);
    if (r.summary) print(`  ${safe(r.summary)}`);
    for (const f of r.findings) print(`  ${safe(describeFinding(f))}`);
  }
  if (packet.needsHuman) print(style.yellow('needs a human: its reviews keep asking for changes; approve or reject it'));
  print('');
  for (const line of packet.diffStat) print(safe(line));
  if (packet.integration)
    print(
      `\nintegration (${packet.integration.time}): ${safe(packet.integration.finding)}${packet.integration.stale ? style.dim(` (${packet.integration.stale})`) : ''}`,
    );
  print(style.dim(`\nparx review approve ${packet.session} [--why …] | parx review reject ${packet.session} --why …`));
  return 0;
}
