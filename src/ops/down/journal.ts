import type { RunFiles } from '../../adapters/run-files.js';
import { BackupRefNames } from '../../core/merge-queue.js';
import type { DownState, RunEvent, RunState } from '../../core/run-state.js';

/**
 * `parx down`'s crash protocol, in one place: what it records in state.json (`state.down`)
 * before and after each step that moves base or removes a worktree, the events it appends, and
 * the numbering of the backup refs it writes. A run killed at any point leaves a record from
 * which the next `down` finishes (down.ts reads it back: a merge not verified yet is verified,
 * a removal git began is finished, a session merged earlier is "already merged"):
 *
 *   beginMerge  → base moves → verify → endMerge | evictMerge | leaveMerge
 *   beginRemoval → teardown, rescues, `git worktree remove` → endRemoval
 *
 * Every write is the whole state, atomically (adapters/run-files.ts): the old record or the new.
 */
export class DownJournal {
  private readonly progress: DownState;
  readonly backups: BackupRefNames;

  constructor(
    private readonly files: RunFiles,
    /** The run state, read once under the run lock; the journal is its only writer during `down`. */
    readonly state: RunState,
    backupRefs: string[],
  ) {
    this.progress = state.down ??= { merged: {} };
    this.backups = new BackupRefNames(backupRefs);
  }

  /** The merge a stopped run left between moving base and the end of `verify`. */
  get unverified(): DownState['merging'] {
    return this.progress.merging;
  }

  wasMerged(session: string): boolean {
    return session in this.progress.merged;
  }

  /** Whether a stopped run had begun removing this session's worktree. */
  isBeingRemoved(session: string): boolean {
    return this.progress.removing?.[session] !== undefined;
  }

  /** Recorded before base moves to `commit`: found on start, it says base holds a merge not verified yet. */
  async beginMerge(session: string, before: string, commit: string): Promise<void> {
    this.progress.merging = { session, before, commit };
    await this.save();
  }

  /** The merge passed `verify` (or there is none): it stays. */
  async endMerge(session: string, commit: string): Promise<void> {
    this.progress.merged[session] = commit;
    delete this.progress.merging;
    await this.save();
  }

  /** The merge never happened (git refused to move base), or was taken out again (evicted), or base moved on past it. */
  async dropMerge(): Promise<void> {
    delete this.progress.merging;
    await this.save();
  }

  /** A record that no longer matches base (the human moved it): forgotten, and the queue decides afresh. */
  forgetStaleMerge(): void {
    delete this.progress.merging;
  }

  /** Remembered so that once the branch is gone a later run still says "already merged" (saved with the next write). */
  rememberLanded(session: string, tip: string): void {
    this.progress.merged[session] ??= tip;
  }

  /** A hosted session merged here: recorded before its host cleans up. */
  async recordLanded(session: string, tip: string): Promise<void> {
    this.progress.merged[session] = tip;
    await this.save();
  }

  /** Recorded before git starts removing the worktree: a stopped removal is finished, not taken for lost work. */
  async beginRemoval(session: string, worktree: string): Promise<void> {
    (this.progress.removing ??= {})[session] = worktree;
    await this.save();
  }

  /** The session is gone: its removal record and its place in the run (saved with the next write). */
  endRemoval(session: string): void {
    if (this.progress.removing) delete this.progress.removing[session];
    delete this.state.sessions[session];
  }

  /** A hosted session is gone, here and on its host (saved with the next write). */
  endHostedSession(session: string): void {
    delete this.state.hosted?.[session];
    if (this.state.hosted && Object.keys(this.state.hosted).length === 0) delete this.state.hosted;
  }

  async record(event: Omit<RunEvent, 'time'>): Promise<void> {
    await this.files.appendEvent(event);
  }

  async save(): Promise<void> {
    await this.files.writeState(this.state);
  }
}
