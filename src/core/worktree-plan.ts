import { getSessionBranch } from './session-names.js';
/**
 * Decides, from facts gathered about the repository, what `parx up` must do for each session's
 * worktree, before anything is touched. A session's existing worktree is always reused as is:
 * never reset, never recreated.
 */

export interface WorktreeFact {
  path: string;
  /** Short branch name, or undefined when detached/bare. */
  branch: string | undefined;
  /** The directory is gone but git still has it registered. */
  prunable: boolean;
  /** The bare repository itself (listed first by `git worktree list` when bare). */
  bare?: boolean;
}

export interface WorktreeFacts {
  /** The main worktree: never handed to a session. */
  mainPath: string;
  worktrees: readonly WorktreeFact[];
  /** Local branches that exist (only the ones parx might use need be listed). */
  branches: ReadonlySet<string>;
  /** Whether a path exists on disk and holds anything. */
  isOccupied(path: string): boolean;
}

export type WorktreeAction =
  | { kind: 'reuse'; session: string; branch: string; path: string }
  | { kind: 'create-branch'; session: string; branch: string; path: string }
  /** `forget`: registered worktrees whose folders are gone, at this path or on this branch, to unregister first. */
  | { kind: 'add-existing-branch'; session: string; branch: string; path: string; forget: string[] };

export type WorktreePlan = { ok: true; actions: WorktreeAction[] } | { ok: false; problems: string[] };

export function planWorktrees(sessions: ReadonlyArray<{ name: string; path: string }>, facts: WorktreeFacts): WorktreePlan {
  const actions: WorktreeAction[] = [];
  const problems: string[] = [];
  for (const { name: session, path } of sessions) {
    const branch = getSessionBranch(session);
    const atPath = facts.worktrees.find((w) => w.path === path);
    const onBranch = facts.worktrees.find((w) => w.branch === branch && !w.prunable);

    if (atPath && !atPath.prunable) {
      if (atPath.branch === branch) actions.push({ kind: 'reuse', session, branch, path });
      else {
        problems.push(
          `${path} is already a worktree on ${atPath.branch ? `branch ${atPath.branch}` : 'a detached HEAD'}, not ${branch}; move it away or set worktreeDir`,
        );
      }
    } else if (onBranch && onBranch.path === facts.mainPath) {
      problems.push(`${branch} is checked out in the main worktree (${onBranch.path}); check out another branch there first`);
    } else if (onBranch) {
      // The user moved the worktree (`git worktree move`): follow it rather than fight it.
      actions.push({ kind: 'reuse', session, branch, path: onBranch.path });
    } else if (!atPath && facts.isOccupied(path)) {
      problems.push(`${path} already exists and is not a worktree of this repository; move it away or set worktreeDir`);
    } else if (facts.branches.has(branch)) {
      const forget = facts.worktrees.filter((w) => w.prunable && (w.path === path || w.branch === branch)).map((w) => w.path);
      actions.push({ kind: 'add-existing-branch', session, branch, path, forget });
    } else {
      actions.push({ kind: 'create-branch', session, branch, path });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, actions };
}
