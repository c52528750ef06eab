import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execGit, runGit } from './git.js';

/**
 * The scratch worktree `parx integrate` builds and verifies merges in: parx's own, under the run
 * folder, reused between runs (what `setup` installed there stays), never a session's worktree
 * nor the main checkout. Its HEAD is always detached: no branch moves when it changes.
 *
 * The repository's hooks are off for every command here (`core.hooksPath=/dev/null`): a
 * post-checkout hook of the project is for its developers' checkouts, not for parx's scratch.
 */

const NO_HOOKS = ['-c', 'core.hooksPath=/dev/null'];

/** Makes the scratch worktree at `path` (detached at `commit`) unless it is there; returns whether it was made. */
export async function ensureScratchWorktree(root: string, path: string, commit: string): Promise<boolean> {
  if (existsSync(join(path, '.git'))) return false;
  // A folder left without its `.git` (a scratch tree deleted by hand) is parx's own leftover.
  await rm(path, { recursive: true, force: true });
  // Forget only this worktree's record if git has one (not `worktree prune`: that forgets every
  // missing worktree of the repository, the user's own on an unmounted disk too).
  await execGit(root, ['worktree', 'remove', path]);
  await runGit(root, [...NO_HOOKS, 'worktree', 'add', '--quiet', '--detach', path, commit]);
  return true;
}

/**
 * Puts exactly `commit`'s tree into the scratch worktree: tracked files as committed, untracked
 * ones (what an earlier verify wrote) removed. Ignored files (dependencies `setup` installed,
 * build caches) stay, as they would in a developer's checkout.
 */
export async function checkOutScratch(path: string, commit: string): Promise<void> {
  await runGit(path, [...NO_HOOKS, 'checkout', '--quiet', '--force', '--detach', commit]);
  await runGit(path, ['clean', '-ffdq']);
}

/** Removes the scratch worktree and git's record of it (it holds nothing of anyone's). */
export async function removeScratchWorktree(root: string, path: string): Promise<void> {
  const result = await execGit(root, ['worktree', 'remove', '--force', '--force', path]);
  if (result.failed && existsSync(path)) {
    await rm(path, { recursive: true, force: true });
    await execGit(root, ['worktree', 'remove', path]);
  }
}
