import { countCommitsAhead, getCommit, listRefs } from '../../adapters/git.js';
import { predictMerge } from '../../adapters/git-merge.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { RefusedError } from '../../core/errors.js';
import { findUnlandedDependency, getMergeQueue, getReviewRefusal, isQueueDone, type MergeQueue, type Outcome } from '../../core/merge-queue.js';
import type { RunState } from '../../core/run-state.js';
import { describeVerdict, getFlaggedSessions, getStaleness } from '../../core/integration.js';
import { cleanUpSessions, type CleanupResult } from './cleanup.js';
import { readSessionReview } from '../review/standing.js';
import { recoverSession } from '../recover.js';
import { readSessionUsage } from '../budget.js';
import type { Usage } from '../../core/usage.js';
import { findMainWorktreeProblems, getStandingRefusals, inspectSessions, type SessionFacts } from './inspect.js';
import { mergeSession, simulateMerge, verifyMerge } from './merge.js';
import { getTmuxSessionName, loadProject, withRunLock, type Project } from '../common/project.js';
import type { DownOptions, DownProgress, QueueRun, Turn } from './types.js';
import { DownJournal } from './journal.js';

export type { DownOptions, DownProgress } from './types.js';
import { selectSessions } from '../common/sessions.js';
import { cleanUpHostedSessions, landHostedSessions } from '../hosts/land.js';
import { findSyncCandidates, syncSessions, type SyncResult } from '../sync.js';

export interface DownResult {
  base: string;
  dryRun: boolean;
  /** Why the main worktree cannot take merges (only a dry run gets this far with problems). */
  problems: string[];
  /** `usage`: what a session that landed now cost, by its agent's own accounting (null: it records none). */
  sessions: Array<{ name: string; outcome: Outcome; cleanup?: CleanupResult; usage?: Usage | null; host?: string }>;
  /** Every session is gone: the tmux session is closed and the run state removed. */
  finished: boolean;
  /** Everything queued landed, and nothing was kept by cleanup. */
  ok: boolean;
  /** Closes what `parx down` itself runs in (its own pane or tmux session); call after reporting. */
  closeLast: () => Promise<void>;
  /** Set when the config file changed since `parx up`. */
  configNotice: string | undefined;
  /**
   * Running sessions that merge after one that landed and are now behind base: synced at once
   * with `sync: auto` (`synced`), else what `parx sync` would do with each now (`offered`:
   * `ready`, or why it would skip one: a dirty worktree, a working agent…).
   */
  dependents: { candidates: string[]; synced: SyncResult | undefined; offered: SyncResult | undefined; error: string | undefined };
}

/** `parx down`: the dependency-ordered merge queue that never loses work. */
export async function runDown(options: DownOptions = {}): Promise<DownResult> {
  const project = await loadProject(options);
  // A dry run changes nothing, so it needs no lock.
  return options.dryRun ? runQueue(project, options) : withRunLock(project, 'down', () => runQueue(project, options));
}

async function runQueue(project: Project, options: DownOptions): Promise<DownResult> {
  const emit = options.onProgress ?? (() => {});
  const dryRun = options.dryRun ?? false;
  const all = project.config.sessions;
  // Hosted sessions land after this machine's, by ops/hosts/land.ts.
  const chosen = selectSessions([...all, ...project.config.hosted], options.sessions ?? []);
  const hosted = chosen.filter((s) => s.host);
  const localNames = chosen.filter((s) => !s.host).map((s) => s.name);
  const queue = localNames.length > 0 ? getMergeQueue(all, localNames) : { order: [], outsideDependencies: new Map<string, string[]>() };
  const previous = await project.files.readState();
  const unverified = previous?.down?.merging?.session;
  const inspected = [...new Set([...queue.order, ...[...queue.outsideDependencies.values()].flat(), ...(unverified ? [unverified] : [])])];
  const [problems, backupRefs, facts, baseTip] = await Promise.all([
    findMainWorktreeProblems(project),
    listRefs(project.root, 'refs/parx/backup/'),
    inspectSessions(project, previous, inspected),
    getCommit(project.root, `refs/heads/${project.base}`),
  ]);
  if (!baseTip || (problems.length > 0 && !dryRun)) {
    throw new RefusedError('the main worktree cannot take merges now; nothing was changed', problems);
  }

  const state = previous ?? createRunState(project);
  const run: QueueRun = { project, journal: new DownJournal(project.files, state, backupRefs), options, emit, baseTip };
  emit({ type: 'queue', order: queue.order, base: project.base, dryRun });
  const flagged = await findFlaggedByIntegration(project, baseTip, queue.order, facts);
  if (flagged) emit(flagged);
  const outcomes = new Map<string, Outcome>();
  const pending = dryRun ? undefined : await resumeUnverifiedMerge(run, facts);
  if (pending) outcomes.set(pending.session, pending.outcome);

  // A merge that failed verify but could not be undone leaves base broken: everything after it would be judged against that.
  let halted = pending?.outcome.kind === 'verify-failed' ? pending.session : undefined;
  for (const name of queue.order) {
    if (outcomes.has(name)) continue;
    let outcome: Outcome;
    if (halted) outcome = { kind: 'blocked', by: halted, halted: true };
    else {
      const turn = await takeTurn(
        run,
        all.find((s) => s.name === name)!,
        facts,
        queue,
        outcomes,
      );
      outcome = turn.outcome;
      run.baseTip = turn.baseTip;
    }
    if (outcome.kind === 'verify-failed') halted = name;
    const final = dryRun
      ? outcome
      : await recoverFromFailure(
          run,
          all.find((s) => s.name === name)!,
          facts.get(name)!,
          outcome,
        );
    outcomes.set(name, final);
    emit({ type: 'outcome', session: name, outcome: final });
  }

  const hostedLanding = hosted.length === 0 ? undefined : await landHostedSessions(run, hosted, outcomes, halted);
  for (const [name, outcome] of hostedLanding?.outcomes ?? []) outcomes.set(name, outcome);

  if (options.landing && !dryRun)
    for (const [session, outcome] of outcomes) if (outcome.kind === 'merged') await run.journal.record({ type: 'land', session, commit: outcome.commit });

  const landed = [...outcomes]
    .filter(([name, o]) => (o.kind === 'merged' || o.kind === 'in-base') && facts.has(name))
    .map(([name]) => facts.get(name)!.live)
    .filter((s) => s.hasBranch || s.hasWorktree);
  if (!dryRun) {
    // Remembered so that once the branch is gone a later run still says "already merged".
    for (const s of landed) if (s.tip) run.journal.rememberLanded(s.name, s.tip);
  }
  // What each session that lands now cost, read before cleanup takes its run files.
  const usage = new Map(
    await Promise.all(
      [...outcomes]
        .filter(([name, o]) => o.kind === 'merged' && facts.has(name))
        .map(
          async ([name]) =>
            [
              name,
              await readSessionUsage(
                project,
                all.find((s) => s.name === name)!,
                state,
              ).catch(() => null),
            ] as const,
        ),
    ),
  );
  // Hosted ones first: the run is over only once they are gone too.
  const hostedCleanup = dryRun || options.keep || !hostedLanding ? [] : await cleanUpHostedSessions(run, hostedLanding);
  const cleanup = dryRun || options.keep ? undefined : await cleanUpSessions(run, landed);
  if (!dryRun) {
    if (!cleanup) await run.journal.save(); // --keep (cleanup writes it otherwise)
    await run.journal.record({ type: 'down', outcomes: Object.fromEntries([...outcomes].map(([n, o]) => [n, o.kind])) });
  }
  const sessions = [...outcomes].map(([name, outcome]) => ({
    name,
    outcome,
    cleanup: cleanup?.results.find((r) => r.session === name) ?? hostedCleanup.find((r) => r.session === name),
    ...(hostedLanding?.hosts.has(name) && { host: hostedLanding.hosts.get(name) }),
    ...(usage.has(name) && { usage: usage.get(name) }),
  }));
  const dependents = dryRun ? { candidates: [], synced: undefined, offered: undefined, error: undefined } : await bringDependentsUp(project, state);
  return {
    base: project.base,
    dryRun,
    problems,
    sessions,
    finished: cleanup?.finished ?? false,
    ok: isQueueDone(outcomes) && problems.length === 0 && sessions.every((s) => !s.cleanup?.kept),
    closeLast: cleanup?.closeLast ?? (async () => {}),
    configNotice: project.configNotice,
    dependents,
  };
}

/** After a landing: the dependents now behind base, synced when the config says `sync: auto` (the run lock is held). */
async function bringDependentsUp(project: Project, state: RunState): Promise<DownResult['dependents']> {
  try {
    const candidates = await findSyncCandidates(project, state);
    if (candidates.length === 0) return { candidates, synced: undefined, offered: undefined, error: undefined };
    // `land: auto` lands sessions one by one while the others work: their dependents follow base.
    const auto = project.config.sync === 'auto' || project.config.land === 'auto';
    const result = await syncSessions(project, state, candidates, { dryRun: !auto });
    return { candidates, synced: auto ? result : undefined, offered: auto ? undefined : result, error: undefined };
  } catch (error) {
    // Everything merged stays merged; only the follow-up did not happen.
    return { candidates: [], synced: undefined, offered: undefined, error: (error as Error).message };
  }
}

/** One session's turn in the queue: refuse, skip, or merge it onto base as it stands now. */
async function takeTurn(
  run: QueueRun,
  session: SessionConfig,
  facts: Map<string, SessionFacts>,
  queue: MergeQueue,
  outcomes: Map<string, Outcome>,
): Promise<Turn> {
  const stay = (outcome: Outcome): Turn => ({ outcome, baseTip: run.baseTip });
  const f = facts.get(session.name)!;
  const notInBase = (queue.outsideDependencies.get(session.name) ?? []).find((d) => facts.get(d)!.ahead > 0);
  if (notInBase) return stay({ kind: 'refused', refusals: [{ kind: 'dependency', session: notInBase }] });
  const blocker = findUnlandedDependency(session, outcomes);
  if (blocker) return stay({ kind: 'blocked', by: blocker });
  const mergedEarlier = run.journal.wasMerged(session.name);
  if (!f.live.hasBranch && !f.live.hasWorktree) return stay(mergedEarlier ? { kind: 'in-base', mergedEarlier } : { kind: 'absent' });
  // Its worktree was being removed when a run stopped: what is missing there is git's deleting,
  // not work. It landed; cleanup finishes the removal.
  if (run.journal.isBeingRemoved(session.name) && f.ahead === 0) return stay({ kind: 'in-base', mergedEarlier: true });

  const refusals = getStandingRefusals(f, { commitWip: run.options.commitWip ?? false, allowViolations: run.options.allowViolations ?? false });
  const review = await readSessionReview(run.project, session, f.live.tip);
  const unreviewed =
    review &&
    getReviewRefusal(
      { required: review.settings.required, ...review.standing, running: review.running !== undefined },
      { ahead: f.ahead, uncommitted: f.uncommitted.length },
    );
  if (unreviewed) refusals.push(unreviewed);
  if (refusals.length > 0) {
    // Say now whether it would also conflict, so that one round of fixes is enough.
    if (f.live.tip && f.ahead > 0) {
      const prediction = await predictMerge(run.project.root, run.baseTip, f.live.tip);
      if (!prediction.clean) refusals.push({ kind: 'conflict', files: prediction.conflicts });
    }
    return stay({ kind: 'refused', refusals });
  }
  if (f.ahead === 0 && f.uncommitted.length === 0) return stay({ kind: 'in-base', mergedEarlier });
  return run.options.dryRun ? simulateMerge(run, session, f) : mergeSession(run, session, f);
}

/**
 * `recover: agent`: a conflict or an eviction is the session's to fix, told to its agent with the
 * context (ops/recover.ts); once its retries are used up, the outcome says it needs a human.
 */
async function recoverFromFailure(run: QueueRun, session: SessionConfig, facts: SessionFacts, outcome: Outcome): Promise<Outcome> {
  const tip = facts.live.tip;
  if (!tip || run.project.config.recover !== 'agent') return outcome;
  const conflict = outcome.kind === 'refused' ? outcome.refusals.find((r) => r.kind === 'conflict') : undefined;
  // Only a refusal for a conflict alone: dirty work or violations are not something a retry fixes.
  const failure =
    conflict && outcome.kind === 'refused' && outcome.refusals.length === 1
      ? { reason: 'conflict' as const, tip, files: conflict.files }
      : outcome.kind === 'evicted'
        ? { reason: 'verify' as const, tip, output: outcome.outputTail }
        : undefined;
  if (!failure) return outcome;
  const result = await recoverSession(run.project, run.journal.state, session, failure);
  return result.kind === 'needs-human' ? { kind: 'needs-human', reason: result.reason, failed: outcome } : outcome;
}

/**
 * A run killed after moving base but before `verify` finished left `down.merging` in the state
 * with base at that merge: verify it now. If base is anywhere else, the merge never happened
 * (or the human moved base since) and the record is dropped: the queue decides afresh.
 */
async function resumeUnverifiedMerge(run: QueueRun, facts: Map<string, SessionFacts>): Promise<{ session: string; outcome: Outcome } | undefined> {
  const merging = run.journal.unverified;
  if (!merging) return undefined;
  // A hosted session's merge is verified here like any other (its facts are the host's).
  const session = [...run.project.config.sessions, ...run.project.config.hosted].find((s) => s.name === merging.session && (facts.has(s.name) || s.host));
  if (run.baseTip !== merging.commit || !session) {
    run.journal.forgetStaleMerge();
    return undefined;
  }
  run.emit({ type: 'resume', session: session.name, commit: merging.commit });
  const commits = await countCommitsAhead(run.project.root, merging.before, `${merging.commit}^2`);
  const worktree = facts.get(session.name)?.live.worktree ?? run.project.root;
  const { outcome, baseTip } = await verifyMerge(run, session, worktree, { before: merging.before, commit: merging.commit, commits });
  run.baseTip = baseTip;
  run.emit({ type: 'outcome', session: session.name, outcome });
  return { session: session.name, outcome };
}

/**
 * The sessions of the queue that the last `parx integrate` flagged (breaks verify, conflicts)
 * on the very tips they have now, on this base: `down` says so before it merges anything.
 */
async function findFlaggedByIntegration(
  project: Project,
  baseTip: string,
  order: readonly string[],
  facts: ReadonlyMap<string, SessionFacts>,
): Promise<DownProgress | undefined> {
  const record = await project.files.readIntegration();
  if (!record) return undefined;
  const flagged = getFlaggedSessions(record)
    .filter(({ session }) => order.includes(session) && getStaleness(record, session, facts.get(session)?.live.tip, baseTip) === undefined)
    .map(({ session, verdict }) => ({ session, finding: describeVerdict(verdict) }));
  return flagged.length > 0 ? { type: 'integration', time: record.time, flagged } : undefined;
}

function createRunState(project: Project): RunState {
  return { version: 1, root: project.root, base: project.base, configFile: project.configFile, tmuxSession: getTmuxSessionName(project), sessions: {} };
}
