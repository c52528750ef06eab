import type { Outcome } from '../../core/merge-queue.js';
import type { DownJournal } from './journal.js';
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

/**
 * What every step of one `parx down` run shares: the project, the journal (the run state and
 * everything `down` records: ops/down/journal.ts), the flags and the emitter. `baseTip` is where
 * base is now: each merge step returns the new one (a Turn) and the queue moves it on.
 */
export interface QueueRun {
  project: Project;
  journal: DownJournal;
  options: DownOptions;
  emit: (event: DownProgress) => void;
  baseTip: string;
  /** How `verify` runs in the main checkout (prepared at the first verify). */
  runner?: CommandRunner;
}

/** A step of the queue: what came of a session, and where base is after it. */
export interface Turn {
  outcome: Outcome;
  baseTip: string;
}
