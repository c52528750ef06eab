import { existsSync } from 'node:fs';
import { execGit, runGit } from './git.js';

/**
 * git's worktrees as parx makes, fills and removes them (adapters/git.ts runs git and lists them): a
 * worktree is registered and filled in two halves so that many fill at once, never removed with
 * force unless only git's own half-done removal is left, and a missing one is forgotten alone.
 */

/**
 * Registers a worktree without populating it (`--no-checkout`): the cheap, serial half of
 * `git worktree add`. Concurrent registrations can read each other's half-written admin folders;
 * populateWorktree, the expensive half, touches only the worktree's own index and files and runs
 * concurrently. `from` should be a commit id, so that every session forks from the same one.
 */
export async function registerWorktree(cwd: string, path: string, branch: string, from?: string): Promise<void> {
  const args = from ? ['worktree', 'add', '--quiet', '--no-checkout', '-b', branch, path, from] : ['worktree', 'add', '--quiet', '--no-checkout', path, branch];
  await runGit(cwd, args);
}

/**
 * Fills a registered worktree's index and files from its HEAD (`head`), then, when the
 * repository has a post-checkout hook, runs it as `git worktree add` would (old id all zeros, new
 * id, 1 = branch checkout). `read-tree -u --reset`, not `reset --hard`: it takes no ref lock and
 * writes no reflog entry, so many can run at once, and it honours `checkout.workers`, filters and
 * sparse settings alike.
 */
export async function populateWorktree(worktree: string, head: string, postCheckoutHook: boolean): Promise<void> {
  await runGit(worktree, ['read-tree', '-u', '--reset', head]);
  if (postCheckoutHook) await runGit(worktree, ['hook', 'run', '--ignore-missing', 'post-checkout', '--', '0'.repeat(head.length), head, '1']);
}

/** The repository's hooks folder as git resolves it (`core.hooksPath` honoured), absolute. */
export async function getHooksDir(cwd: string): Promise<string> {
  return (await runGit(cwd, ['rev-parse', '--path-format=absolute', '--git-path', 'hooks'])).trim();
}

/**
 * Lets a worktree have settings of its own (`extensions.worktreeConfig`): parx points session
 * worktrees' hooks elsewhere while the main worktree and the user's own worktrees keep theirs.
 */
export async function enableWorktreeConfig(root: string): Promise<void> {
  await runGit(root, ['config', 'extensions.worktreeConfig', 'true']);
}

/** Points one worktree (only it) at a hooks folder; needs enableWorktreeConfig first. */
export async function setWorktreeHooksPath(worktree: string, dir: string): Promise<void> {
  await runGit(worktree, ['config', '--worktree', 'core.hooksPath', dir]);
}

/** Whether the repository has a post-checkout hook (`core.hooksPath` honoured): one look per `up`. */
export async function hasPostCheckoutHook(cwd: string): Promise<boolean> {
  const path = (await runGit(cwd, ['rev-parse', '--path-format=absolute', '--git-path', 'hooks/post-checkout'])).trim();
  return existsSync(path);
}

/**
 * Undoes a registration whose population failed: the half-filled folder holds nothing but files
 * of `HEAD`, so it goes with --force; a branch made for it goes too, only while it still points at
 * the commit it was made on (`update-ref -d` with the expected old value refuses otherwise).
 */
export async function unregisterWorktree(cwd: string, path: string, madeBranch?: { ref: string; commit: string }): Promise<void> {
  await runGit(cwd, ['worktree', 'remove', '--force', path]);
  if (madeBranch) await runGit(cwd, ['update-ref', '-d', madeBranch.ref, madeBranch.commit]);
}

/**
 * Unregisters one worktree whose folder is gone (its branch and commits stay). Not `git worktree
 * prune`: that forgets every missing worktree of the repository, including the user's own on a
 * disk that is not mounted right now. `worktree remove` of a missing folder drops only its
 * registration (and refuses a locked one).
 */
export async function forgetMissingWorktree(cwd: string, path: string): Promise<void> {
  if (existsSync(path)) return;
  await runGit(cwd, ['worktree', 'remove', path]);
}

/**
 * `git worktree remove` without --force: git itself refuses a worktree with modified or
 * untracked files (ignored files go with it). Returns git's reason when it refuses.
 */
export async function removeWorktree(cwd: string, path: string, options: { force?: boolean } = {}): Promise<string | undefined> {
  const result = await execGit(cwd, ['worktree', 'remove', ...(options.force ? ['--force'] : []), path]);
  return result.failed ? result.stderr.trim() || result.shortMessage : undefined;
}
