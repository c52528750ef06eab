import type { Outcome } from '../../core/merge-queue.js';
import type { DownState, RunState } from '../../core/run-state.js';
import type { Project, ProjectOptions } from '../common/project.js';
import type { CommandRunner } from '../common/command-sandbox.js';

/** The types every part of `parx down` shares (down.ts runs the queue; down-*.ts do its steps). */

export interface DownOptions extends ProjectOptions {
  /** Limit the queue to these sessions (their dependencies must be in base already). */
  sessions?: string[];
  dryRun?: boolean;
  /** Merge, but remove no pane, worktree or branch. */
  keep?: boolean;
  commitWip?: boolean;
  allowViolations?: boolean;
  /** Run by `land: auto` (the guard): each session merged is also a `land` event. */
  landing?: boolean;
  onProgress?: (event: DownProgress) => void;
}

export type DownProgress =
  | { type: 'queue'; order: string[]; base: string; dryRun: boolean }
  /** The last `parx integrate`, on these very tips, flagged these sessions: said before any merge. */
  | { type: 'integration'; time: string; flagged: Array<{ session: string; finding: string }> }
  | { type: 'resume'; session: string; commit: string }
  | { type: 'wip'; session: string; files: number; commit: string }
  | { type: 'merged'; session: string; commit: string; commits: number }
  /** `resolve:` rules regenerated these conflicted files for the merge. */
  | { type: 'regenerated'; session: string; files: string[] }
  | { type: 'verify'; session: string; status: 'started' | 'passed' | 'failed'; command: string; exitCode?: number | undefined }
  | { type: 'verify-output'; session: string; line: string }
  | { type: 'teardown'; session: string; ok: boolean; exitCode: number | undefined; output: string }
  | { type: 'outcome'; session: string; outcome: Outcome };

/** What every step of one `parx down` run shares. `baseTip` moves as sessions land. */
export interface QueueRun {
  project: Project;
  state: RunState;
  /** `state.down`: what is merged, and the merge under way. */
  progress: DownState;
  options: DownOptions;
  emit: (event: DownProgress) => void;
  baseTip: string;
  /** Every ref under refs/parx/backup/, including the ones this run wrote. */
  backupRefs: string[];
  /** How `verify` runs in the main checkout (prepared at the first verify). */
  runner?: CommandRunner;
}
