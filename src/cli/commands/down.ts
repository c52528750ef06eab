import { describeFinding } from '../../core/review.js';
import { countTokens } from '../../core/usage.js';
import { isLanded, type Outcome, type Refusal } from '../../core/merge-queue.js';
import type { CleanupResult } from '../../ops/down/cleanup.js';
import { runDown, type DownProgress, type DownResult } from '../../ops/down/down.js';
import type { GlobalOptions } from '../options.js';
import { print, printConfigNotice, printError, printJson, safe, style } from '../output.js';
import { describeViolation } from './describe.js';
import { printSyncOutcomes } from './sync.js';

export interface DownCommandOptions extends GlobalOptions {
  dryRun?: boolean;
  keep?: boolean;
  commitWip?: boolean;
  allowViolations?: boolean;
  json?: boolean;
  landing?: boolean;
}

export async function downCommand(sessions: string[], options: DownCommandOptions): Promise<number> {
  // With --json, stdout holds the one JSON document and nothing else: no progress lines.
  const result = await runDown({ configPath: options.config, sessions, ...options, ...(!options.json && { onProgress: printProgress }) });
  if (options.json) printJson(toJson(result));
  else printSummary(result);
  printConfigNotice(result.configNotice);
  await result.closeLast();
  return result.ok ? 0 : 1;
}

/** `--json`: the result as data (each outcome and cleanup as the merge queue recorded it). */
function toJson(result: DownResult) {
  const { ok, base, dryRun, finished, problems, sessions, dependents } = result;
  return {
    ok,
    base,
    dryRun,
    finished,
    problems,
    sessions: sessions.map(({ name, outcome, cleanup, usage, host }) => ({
      name,
      host: host ?? null,
      outcome,
      ...(cleanup && { cleanup: withoutSession(cleanup) }),
      ...(usage !== undefined && { usage }),
    })),
    dependents: { candidates: dependents.candidates, synced: dependents.synced ?? null, offered: dependents.offered ?? null, error: dependents.error ?? null },
  };
}

const withoutSession = ({ session: _, ...rest }: CleanupResult) => rest;

const short = (commit: string) => commit.slice(0, 9);
const label = (session: string) => style.bold(session.padEnd(12));

function printProgress(event: DownProgress): void {
  switch (event.type) {
    case 'queue':
      print(
        `${event.dryRun ? 'Plan (dry run, nothing changes)' : 'Merging'} into ${style.bold(event.base)}, in this order: ${event.order.join(' → ') || '(nothing)'}`,
      );
      break;
    case 'integration':
      print(style.yellow(`  The last \`parx integrate\` (${event.time}) flagged, on these very tips and base:`));
      for (const f of event.flagged) print(style.yellow(`    ${f.session}: ${f.finding}`));
      print(style.yellow('  Merging anyway; verify decides. (`parx integrate` again once they are fixed.)'));
      break;
    case 'resume':
      print(`  ${label(event.session)} resuming: base holds its merge ${short(event.commit)}, not verified yet`);
      break;
    case 'wip':
      print(`  ${label(event.session)} committed ${event.files} uncommitted file(s) as ${short(event.commit)} "parx: wip ${event.session}"`);
      break;
    case 'merged':
      print(`  ${label(event.session)} ${style.green('merged')} ${event.commits} commit(s) as ${short(event.commit)}`);
      break;
    case 'regenerated':
      print(`  ${label(event.session)} regenerated ${safe(event.files.join(', '))} (resolve:) instead of refusing the merge`);
      break;
    case 'verify':
      if (event.status === 'started') print(`  ${label(event.session)} verify: ${event.command}`);
      else if (event.status === 'passed') print(`  ${label(event.session)} verify ${style.green('passed')}`);
      else print(`  ${label(event.session)} verify ${style.red('failed')} (exit ${event.exitCode ?? 'signal'})`);
      break;
    case 'verify-output':
      print(style.dim(`    [${event.session}] ${event.line}`));
      break;
    case 'teardown':
      if (!event.ok)
        event.output
          .trimEnd()
          .split('\n')
          .slice(-10)
          .forEach((line) => print(style.dim(`    [${event.session} teardown] ${line}`)));
      break;
    case 'outcome':
      // Outcomes are reported once, in the summary; only evictions are news worth a live line.
      if (event.outcome.kind === 'verify-failed')
        print(`  ${label(event.session)} ${style.red('verify failed')}: base moved on during verify, so the merge was not undone`);
      if (event.outcome.kind === 'evicted') print(`  ${label(event.session)} ${style.red('evicted')}: base reset to ${short(event.outcome.before)}`);
      break;
  }
}

function printSummary(result: DownResult): void {
  print();
  for (const problem of result.problems) printError(`parx: ${problem}`);
  for (const { name, outcome, cleanup, usage, host } of result.sessions) {
    const mark = cleanup?.kept ? style.yellow('!') : isLanded(outcome) ? style.green('✓') : style.red('✗');
    print(`${mark} ${label(name)} ${describeOutcome(outcome, name)}${host ? style.dim(` (on host ${host})`) : ''}`);
    for (const line of describeDetails(outcome, name)) print(`    ${line}`);
    if (usage)
      print(
        style.dim(
          `    it cost ${countTokens(usage)} tokens (${usage.inputTokens} in, ${usage.outputTokens} out, ${usage.cacheTokens} cache${usage.costUsd !== null ? `, $${usage.costUsd.toFixed(2)}` : ''}) by ${usage.source}`,
        ),
      );
    if (cleanup?.removed.length)
      print(style.dim(`    removed: ${cleanup.removed.join(', ')}${cleanup.backupRef ? ` (branch tip kept as ${cleanup.backupRef})` : ''}`));
    if (cleanup?.kept) print(`    ${style.yellow('kept:')} ${safe(cleanup.kept)}`);
    if (cleanup?.saved)
      print(
        `    ${style.yellow('saved')} ${cleanup.saved.files.length} ignored file(s) found nowhere else to ${safe(cleanup.saved.dir)}: ${safe(cleanup.saved.files.slice(0, 5).join(', '))}${cleanup.saved.files.length > 5 ? ', …' : ''}`,
      );
    if (cleanup?.dropped)
      print(
        style.dim(
          `    ignored build output, dependencies and lockfiles removed with the worktree (installs make them again): ${safe(cleanup.dropped.join(', '))}`,
        ),
      );
    if (cleanup?.rescuedCommits) print(`    ${style.yellow('kept')} commits only its reflog held as ${cleanup.rescuedCommits.join(', ')}`);
  }
  if (result.finished) print(style.dim('\nEvery session is merged and cleaned up; the tmux session is closed.'));
  const { synced, offered, error } = result.dependents;
  if (synced) {
    print('\nsync: auto: bringing the dependents of what landed up to date');
    printSyncOutcomes(synced, '  ');
  } else if (offered) {
    // Offered only what `parx sync` would do now; the others say what they wait for.
    const ready = offered.sessions.filter((s) => s.outcome.kind === 'ready').map((s) => s.name);
    if (ready.length > 0)
      print(`\n${ready.length > 1 ? 'These dependents' : 'A dependent'} can be synced with the new ${result.base} now (${ready.join(', ')}): parx sync`);
    for (const { name, outcome } of offered.sessions)
      if (outcome.kind === 'skipped') print(style.dim(`${name} merges after what landed, and can be synced once it is ready: ${safe(outcome.detail)}`));
  }
  if (error) printError(`parx: could not look for dependents to sync: ${error}`);
}

function describeOutcome(outcome: Outcome, session: string): string {
  switch (outcome.kind) {
    case 'merged':
      return `${style.green('merged')} (${outcome.commits} commit(s), ${short(outcome.commit)})`;
    case 'would-merge':
      return `would merge ${outcome.commits} commit(s)${outcome.wip > 0 ? ` plus ${outcome.wip} uncommitted file(s) as "parx: wip ${session}"` : ''}`;
    case 'in-base':
      return outcome.mergedEarlier ? 'already merged' : 'skipped: nothing to merge (its branch is already in base)';
    case 'absent':
      return style.dim('not started (no branch, no worktree)');
    case 'refused':
      return `${style.red('refused')}: ${outcome.refusals.map((r) => describeRefusal(r, session).what).join('; ')}`;
    case 'blocked':
      return outcome.halted
        ? `${style.yellow('skipped')}: the queue stopped at ${outcome.by}`
        : `${style.yellow('skipped')}: it merges after ${outcome.by}, which did not land`;
    case 'evicted':
      return `${style.red('evicted')}: verify failed (exit ${outcome.exitCode ?? 'signal'}); base reset to ${short(outcome.before)}`;
    case 'verify-failed':
      return `${style.red('verify failed')} (exit ${outcome.exitCode ?? 'signal'}), and base moved on meanwhile: the merge stays in base; the queue stopped`;
    case 'needs-human':
      return `${describeOutcome(outcome.failed, session)}; ${style.yellow('it needs you')}: ${safe(outcome.reason)}`;
  }
}

function describeDetails(outcome: Outcome, session: string): string[] {
  if (outcome.kind === 'needs-human') return describeDetails(outcome.failed, session);
  if (outcome.kind === 'refused') return outcome.refusals.flatMap((r) => describeRefusal(r, session).details);
  if (outcome.kind === 'evicted') {
    return [
      ...outcome.outputTail.map((line) => style.dim(`| ${line}`)),
      `the branch keeps the work and the merge is kept as ${outcome.backupRef}: fix it on parx/${session}, then run \`parx down\` again`,
    ];
  }
  if (outcome.kind === 'verify-failed') {
    return [
      ...outcome.outputTail.map((line) => style.dim(`| ${line}`)),
      `base is at ${short(outcome.baseNow)}, past the merge ${short(outcome.commit)}, with commits parx did not make: parx never moves base back past them`,
      `to take the merge out, \`git revert -m 1 ${short(outcome.commit)}\` in the main worktree; then fix parx/${session} and run \`parx down\` again`,
    ];
  }
  if (outcome.kind === 'blocked') return [`run \`parx down\` again once ${outcome.by} has landed`];
  return [];
}

/** A refusal in words: what is wrong, then the lines that say what to do. */
function describeRefusal(refusal: Refusal, session: string): { what: string; details: string[] } {
  const list = (items: readonly string[]) => safe(items.slice(0, 5).join(', ')) + (items.length > 5 ? `, … (${items.length} in all)` : '');
  switch (refusal.kind) {
    case 'dirty':
      return {
        what: `${refusal.files.length} uncommitted or untracked file(s) in its worktree`,
        details: [`${list(refusal.files)}`, 'commit them in its worktree, or run `parx down --commit-wip` to commit them as "parx: wip"'],
      };
    case 'violations':
      return {
        what: `${refusal.violations.length} change(s) outside its ownership`,
        details: [
          ...refusal.violations.slice(0, 5).map(describeViolation),
          `move them to the session that owns them or widen its owns (see \`parx check ${session}\`), or run \`parx down --allow-violations\``,
        ],
      };
    case 'conflict':
      return {
        what: `would conflict with base in ${refusal.files.length} file(s)`,
        details: [
          list(refusal.files),
          ...(refusal.resolveFailure ? [`resolve: ${safe(refusal.resolveFailure)}`] : []),
          `merge base into parx/${session} in its worktree and resolve the conflicts there, then run \`parx down\` again`,
        ],
      };
    case 'dependency':
      return { what: `it merges after ${refusal.session}, which is not in base yet`, details: [`include it: \`parx down ${refusal.session} ${session}\``] };
    case 'wrong-branch':
      return {
        what: `its worktree has ${refusal.checkedOut ? `branch ${refusal.checkedOut}` : 'a detached HEAD'} checked out, not parx/${session}`,
        details: [`switch it back (\`git switch parx/${session}\` in its worktree), then run \`parx down\` again`],
      };
    case 'in-progress':
      return { what: `its worktree is in the middle of ${refusal.operation}`, details: ['finish or abort it there, then run `parx down` again'] };
    case 'no-branch':
      return {
        what: `its worktree exists but branch parx/${session} does not`,
        details: [`create it in the worktree (\`git switch -c parx/${session}\`), then run \`parx down\` again`],
      };
    case 'git':
      return { what: 'git refused', details: [safe(refusal.message)] };
    case 'host':
      return {
        what: `host ${refusal.host} could not be asked`,
        details: [safe(refusal.reason), 'nothing of it was touched; run `parx down` again once the host answers'],
      };
    case 'review': {
      const what = refusal.running
        ? 'its review is under way'
        : refusal.verdict === null
          ? 'its tip has not been reviewed'
          : refusal.stale
            ? 'its review is stale: it judged an older commit'
            : refusal.verdict === 'changes'
              ? `its review asks for changes${refusal.findings.length > 0 ? ` (${refusal.findings.length} finding(s))` : ''}`
              : 'its review failed (the reviewer gave no verdict)';
      return {
        what,
        details: [
          ...refusal.findings.slice(0, 5).map((f) => safe(describeFinding(f))),
          ...(refusal.needsHuman ? [`it needs you: \`parx review show ${session}\`, then \`parx review approve ${session}\` or \`reject\``] : []),
          refusal.running
            ? 'wait for the verdict (`parx status`), then run `parx down` again'
            : `run \`parx review ${session}\`, or decide yourself: \`parx review show ${session}\``,
        ],
      };
    }
  }
}
