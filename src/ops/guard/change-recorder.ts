import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { judgeChange, type PathChange } from '../../core/changes.js';
import type { GuardLedger } from '../../core/guard-ledger.js';
import { guardMessages as say } from '../../core/guard-messages.js';
import { isAlwaysIgnored, looksLikeTemporaryFile } from '../../core/ownership.js';
import type { GuardState } from './guard-state.js';
import type { OwnWrites } from './own-writes.js';
import type { Reverter } from './revert.js';
import type { GuardEmit } from './routing.js';

/** How long a temporary-looking new file may live before the guard calls it a violation. */
const TEMPORARY_FILE_MS = 250;

export type RecordChange = (session: string, change: PathChange, source: 'git' | 'watch') => void;

/**
 * Judges one change in a session's worktree, seen by its watcher or listed by git, and says
 * what is news: a first violation, a collision that starts or grows (core/guard-ledger.ts).
 * Not the session's doing, so not judged: parx's own writes there (`sync`, `down`), the
 * reverter's echo, a temporary file that is gone again. With `guard.onViolation: revert` (or a
 * path granted away from the session), the recording guard reverts a foreign write it saw happen.
 */
export function createChangeRecorder(parts: {
  guard: GuardState;
  ledger: GuardLedger;
  reverter: Reverter;
  ownWrites: OwnWrites;
  revertAll: boolean;
  emit: GuardEmit;
}): RecordChange {
  const { guard, ledger, reverter, ownWrites, revertAll, emit } = parts;
  const revert = async (session: string, worktree: string, path: string) => {
    const outcome = await reverter.revert(session, worktree, path);
    if (outcome) emit({ type: 'revert', session, path, ...outcome }, say.revertBanner(session, path, outcome));
  };

  const record = (session: string, change: PathChange, source: 'git' | 'watch', settled = false): void => {
    const worktree = guard.worktrees.get(session);
    if (isAlwaysIgnored(change.path) || (worktree && reverter.isOwnEcho(worktree, change.path))) return;
    const violation = judgeChange(guard.ownership, session, change);
    // `sed -i` writes `sedXXXXXX` beside the file and renames it over: not a write of its own.
    if (violation && worktree && source === 'watch' && looksLikeTemporaryFile(change.path) && !settled) {
      // Its removal is news only if the file itself was (a tracked one's deletion: git reports it).
      if (change.change === 'unlink') return ledger.hasChanged(session, change.path) ? record(session, change, source, true) : undefined;
      return void setTimeout(() => existsSync(join(worktree, change.path)) && record(session, change, source, true), TEMPORARY_FILE_MS);
    }
    // What `parx sync` wrote there, and `parx down` removing the worktree, are not the session's
    // doing. Asked only of a change that would count against it (a violation, or a shared path
    // that could make a collision): an agent's writes to its own files, the bulk, skip the look.
    const own = source === 'watch' && worktree && (violation || guard.ownership.isShared(change.path)) ? ownWrites.isOwn(session, worktree, change) : 'no';
    if (own === 'wait') return void setTimeout(() => record(session, change, source), 20);
    if (own === 'yes') return;
    // A write into a path granted away from the session is reverted whatever the setting: a
    // process of its own that worked inside that path before the grant keeps its old, writable
    // view of it (ops/common/sandbox-grants.ts), so the sandbox alone cannot stop it.
    if (violation && worktree && guard.recording && source === 'watch' && (revertAll || guard.isGrantedAway(session, change.path)))
      void revert(session, worktree, change.path).catch((e: Error) => emit({ type: 'error', message: e.message }));
    const news = ledger.record(session, change.path, violation);
    if (news.violation) emit({ type: 'violation', source, ...news.violation }, say.violationBanner(session, change.path, news.violation.owner), session);
    if (news.collision) emit({ type: 'collision', path: change.path, sessions: news.collision, source }, say.collisionBanner(news.collision, change.path));
  };
  return record;
}
