import { getFolderOf, isWithin } from './sandbox-plan.js';

/**
 * The steps that change a running sandbox for a grant (adapters/sandbox-live.ts runs them).
 * Pure: the facts come from a probe of the sandbox itself (what is writable there, and what is
 * a mount of its own), the folder listings from outside.
 */

/** What a path is, seen from inside a running sandbox. */
export interface LivePathFacts {
  exists: boolean;
  folder: boolean;
  writable: boolean;
  /** A mount of its own there (its flags can change in place, for every process at once). */
  mountRoot: boolean;
}

export type LiveOp = { op: 'mkdir' | 'pin' | 'unpin' | 'flip-rw' | 'flip-ro' | 'probe'; path: string };

export interface OpenFacts {
  path: LivePathFacts;
  /** The facts of the path's folder (for a file or a missing path). */
  folder: LivePathFacts;
  /** The other entries of the path's folder (for a file or a missing path: what must stay closed when the folder opens). */
  siblings: readonly string[];
  /**
   * Paths inside the path (a folder) that must stay closed when it opens: another session's
   * folder, a path granted to another session. Worktree-relative.
   */
  closures: readonly string[];
}

/**
 * Opening `path` for a session (a grant to it). A folder opens whole, with what must stay closed
 * inside it pinned first. A file opens as its folder (agents save by renaming a temporary file
 * over it: core/sandbox-plan.ts openFilesByFolder): its folder's other entries are pinned before
 * the folder opens, then the file's own pins are taken off, so that a save by rename works and a
 * write fails only where the session may not write. A missing file opens by its folder likewise
 * (its folder made first when missing: an empty folder is invisible to git).
 */
export function planLiveOpen(path: string, facts: OpenFacts): LiveOp[] {
  const folderOf = getFolderOf(path);
  const name = path.slice(folderOf === '' ? 0 : folderOf.length + 1);
  if (facts.path.exists && facts.path.folder) {
    if (facts.path.writable) return [];
    return [...facts.closures.filter((c) => c !== path && isWithin(c, path)).map((c) => ({ op: 'pin' as const, path: c })), { op: 'flip-rw', path }];
  }
  const steps: LiveOp[] = [];
  if (!facts.folder.exists) steps.push({ op: 'mkdir', path: folderOf });
  if (!facts.folder.exists || !facts.folder.writable) {
    steps.push(...facts.siblings.filter((s) => s !== name).map((s) => ({ op: 'pin' as const, path: folderOf === '' ? s : `${folderOf}/${s}` })));
    steps.push({ op: 'flip-rw', path: folderOf });
  }
  if (facts.path.exists) steps.push({ op: 'unpin', path });
  return steps;
}

/**
 * Closing `path` for a session (a grant away from it): read-only in place where it is a mount of
 * its own, else under a new mount (the script names who still holds the old view). A path that
 * is not there needs nothing from the sandbox: the hooks and the guard keep it from being made.
 */
export function planLiveClose(path: string, facts: LivePathFacts): LiveOp[] {
  if (!facts.exists || !facts.writable) return [];
  return [{ op: 'flip-ro', path }];
}
