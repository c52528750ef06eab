import type { Violation } from './changes.js';
import type { Finding, VerdictKind } from './review.js';
import { getDependencyOrder, type Dependent } from './order.js';

/**
 * The merge queue of `parx down`, as data: which sessions go in what order, why one is refused,
 * and which outcomes let the sessions after it go on. Pure; ops/down/down.ts runs it.
 */

/** Why a session is not merged, each with what the human can do about it. */
export type Refusal =
  | { kind: 'dirty'; files: string[] }
  | { kind: 'violations'; violations: Violation[] }
  /** `resolveFailure`: a `resolve:` rule covered every file but its command failed (its output). */
  | { kind: 'conflict'; files: string[]; resolveFailure?: string }
  /** A dependency left out of `parx down SESSION...` that is not in base yet. */
  | { kind: 'dependency'; session: string }
  /** Its worktree has another branch (or none) checked out: merging parx/<name> would miss that work. */
  | { kind: 'wrong-branch'; checkedOut: string | undefined }
  | { kind: 'in-progress'; operation: string }
  | { kind: 'no-branch' }
  /** Its host could not be reached or answered with an error (docs/hosts.md): nothing of it was touched. */
  | { kind: 'host'; host: string; reason: string }
  /** git refused the merge or the WIP commit for a reason parx does not predict. */
  | { kind: 'git'; message: string }
  /**
   * `review.required`: its tip has no passing verdict. `verdict` is the latest (null: none yet),
   * `stale` when it judged an older commit; `running` while a review is under way.
   */
  | { kind: 'review'; verdict: VerdictKind | null; stale: boolean; findings: Finding[]; running: boolean; needsHuman: boolean };

export type Outcome =
  /** Merged by this run (`commits` new on base). */
  | { kind: 'merged'; commit: string; commits: number }
  /** `--dry-run`: would be merged, onto base as it would stand by then. */
  | { kind: 'would-merge'; commits: number; wip: number }
  /** The branch is already in base: merged by an earlier `down`, by hand, or never had commits. */
  | { kind: 'in-base'; mergedEarlier: boolean }
  /** Neither a branch nor a worktree: the session was never started. */
  | { kind: 'absent' }
  | { kind: 'refused'; refusals: Refusal[] }
  /** Not tried because a session it merges after did not land (or, `halted`, the queue stopped at that session). */
  | { kind: 'blocked'; by: string; halted?: boolean }
  /** Merged, `verify` failed, base reset to `before`; the merge commit is kept under `backupRef`. */
  | { kind: 'evicted'; before: string; backupRef: string; exitCode: number | undefined; outputTail: string[] }
  /**
   * Merged and `verify` failed, but base had moved on past the merge by then (commits parx did
   * not make): the merge is left in base, never undone by moving base backwards, and the queue stops.
   */
  | { kind: 'verify-failed'; commit: string; baseNow: string; exitCode: number | undefined; outputTail: string[] }
  /** `recover: agent` has used up its retries on it: `failed` is what happened this time. */
  | { kind: 'needs-human'; reason: string; failed: Outcome };

/** Outcomes after which base holds everything the session has: sessions after it may go. */
export function isLanded(outcome: Outcome): boolean {
  return outcome.kind === 'merged' || outcome.kind === 'in-base' || outcome.kind === 'absent' || outcome.kind === 'would-merge';
}

export interface MergeQueue {
  /** The sessions to take, in merge order. */
  order: string[];
  /** For each queued session, the sessions it merges after that are not in the queue. */
  outsideDependencies: Map<string, string[]>;
}

/**
 * The queue for `selected` (every session when empty): dependency order over the whole
 * config (sessions with no `after` first, then config order), restricted to the selection.
 */
export function getMergeQueue(sessions: readonly Dependent[], selected: readonly string[] = []): MergeQueue {
  const chosen = new Set(selected.length > 0 ? selected : sessions.map((s) => s.name));
  const order = getDependencyOrder(sessions).filter((name) => chosen.has(name));
  const outsideDependencies = new Map<string, string[]>();
  for (const s of sessions) {
    if (!chosen.has(s.name)) continue;
    const outside = s.after.filter((d) => !chosen.has(d));
    if (outside.length > 0) outsideDependencies.set(s.name, outside);
  }
  return { order, outsideDependencies };
}

/**
 * The first session `name` merges after that has not landed (in this run's outcomes), if
 * any. Sessions outside the queue are judged by the caller (they must already be in base).
 */
export function findUnlandedDependency(session: Dependent, outcomes: ReadonlyMap<string, Outcome>): string | undefined {
  return session.after.find((d) => {
    const outcome = outcomes.get(d);
    return outcome !== undefined && !isLanded(outcome);
  });
}

/** `parx down` succeeds (and `--dry-run` predicts success) only when every queued session lands. */
export function isQueueDone(outcomes: ReadonlyMap<string, Outcome>): boolean {
  return [...outcomes.values()].every(isLanded);
}

/**
 * The next free safety ref for a session, `refs/parx/backup/<session>/<n>` (docs/guide.md, "Files parx
 * keeps"), given the refs that exist: numbering continues after the highest.
 */
export function getNextBackupRef(existing: readonly string[], session: string): string {
  const prefix = `refs/parx/backup/${session}/`;
  const used = existing.filter((r) => r.startsWith(prefix)).map((r) => Number(r.slice(prefix.length)));
  const highest = Math.max(0, ...used.filter((n) => Number.isInteger(n)));
  return `${prefix}${highest + 1}`;
}

/** The backup refs so far (those that exist, and those this run wrote), handing out the next free one per session. */
export class BackupRefNames {
  constructor(private readonly taken: string[]) {}

  next(session: string): string {
    const ref = getNextBackupRef(this.taken, session);
    this.taken.push(ref);
    return ref;
  }
}

/**
 * The review gate of `down`: a session whose review is required lands only a tip with a passing
 * verdict; uncommitted work (`--commit-wip`) would be a tip no reviewer has seen.
 */
export function getReviewRefusal(
  review: {
    required: boolean;
    passed: boolean;
    latest: { verdict: VerdictKind; findings: Finding[] } | undefined;
    stale: boolean;
    running: boolean;
    needsHuman: boolean;
  },
  work: { ahead: number; uncommitted: number },
): Refusal | undefined {
  if (!review.required || (work.ahead === 0 && work.uncommitted === 0)) return undefined;
  if (review.passed && work.uncommitted === 0) return undefined;
  return {
    kind: 'review',
    verdict: review.latest?.verdict ?? null,
    stale: review.stale || (review.passed && work.uncommitted > 0),
    findings: review.stale ? [] : (review.latest?.findings ?? []),
    running: review.running,
    needsHuman: review.needsHuman,
  };
}
