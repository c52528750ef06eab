import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ToolError } from '../core/errors.js';
import { resolveGitDir } from './git-dir.js';
import { execGit, runGit } from './git.js';

/**
 * The git steps of a merge: predict it, make the merge commit, move the checked-out base to it,
 * and undo it. `parx down` merges by making the commit from the very tree `merge-tree`
 * predicted (`commit-tree`, parents base and branch: the same commit `git merge --no-ff` makes)
 * and fast-forwarding the main worktree to it, so the prediction and the merge cannot differ,
 * and nothing in a working tree changes until the merge is known to be clean.
 */

export interface MergePrediction {
  clean: boolean;
  /** The merged tree (with conflict markers where not clean). */
  tree: string;
  /** Conflicted paths, when not clean. */
  conflicts: string[];
}

/**
 * What merging each `[ours, theirs]` pair would do, computed by `git merge-tree --write-tree`
 * without touching any working tree, index or ref (it writes only objects), all in one git
 * process (`--stdin`, which git 2.39 has although it lacks `--merge-base`). Output per merge:
 * "<status>\0<tree>\0<path>\0…\0\0", status 1 clean, 0 conflicted, anything else an error.
 */
export async function predictMerges(cwd: string, pairs: ReadonlyArray<readonly [string, string]>): Promise<MergePrediction[]> {
  if (pairs.length === 0) return [];
  const args = ['merge-tree', '--stdin', '--name-only', '--no-messages'];
  const input = pairs.map(([a, b]) => `${a} ${b}\n`).join('');
  const result = await execa('git', args, { cwd, reject: false, input });
  if (result.exitCode !== 0) throw new ToolError(['git', ...args], result.exitCode, result.stderr);
  const fields = result.stdout.split('\0');
  const predictions: MergePrediction[] = [];
  let i = 0;
  while (predictions.length < pairs.length && i < fields.length) {
    const status = fields[i++];
    const tree = fields[i++] ?? '';
    const conflicts: string[] = [];
    while (i < fields.length && fields[i] !== '') conflicts.push(fields[i++]!);
    i++; // the empty field that ends this merge
    if (status !== '0' && status !== '1') throw new ToolError(['git', ...args], result.exitCode, `unexpected merge-tree output: ${status}`);
    predictions.push({ clean: status === '1', tree, conflicts: [...new Set(conflicts)] });
  }
  return predictions;
}

export async function predictMerge(cwd: string, ours: string, theirs: string): Promise<MergePrediction> {
  return (await predictMerges(cwd, [[ours, theirs]]))[0]!;
}

/** A commit of `tree` with these parents; touches no ref (dangling until something points at it). */
export async function commitTree(cwd: string, tree: string, parents: readonly string[], message: string): Promise<string> {
  return (await runGit(cwd, ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message])).trim();
}

/**
 * Moves the branch checked out in `worktree` forward to `commit`, updating its files.
 * `--ff-only` refuses anything but a fast-forward, and the checkout refuses to overwrite local
 * changes, so a base that moved meanwhile or an edited file stops it with nothing changed.
 * `--no-overwrite-ignore`: by default git overwrites ignored files, so a session that commits a
 * path the user keeps ignored (a `.env`, a local database) would replace the user's copy; git
 * then refuses and names the file instead.
 */
export async function fastForward(worktree: string, commit: string): Promise<string | undefined> {
  const result = await execGit(worktree, ['merge', '--ff-only', '--no-overwrite-ignore', '--quiet', commit]);
  return result.failed ? result.stderr.trim() || result.shortMessage : undefined;
}

/**
 * Moves the checked-out branch back to `commit`. `--keep` (not `--hard`): files that differ
 * between the two commits are updated, and git refuses if any of them has local changes, so
 * nothing uncommitted is ever overwritten.
 */
export async function resetKeep(worktree: string, commit: string): Promise<void> {
  await runGit(worktree, ['reset', '--quiet', '--keep', commit]);
}

/** Whether `ancestor` is reachable from `descendant` (a branch "contained in" base). */
export async function isAncestor(cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  const result = await execGit(cwd, ['merge-base', '--is-ancestor', ancestor, descendant]);
  if (result.exitCode === 0 || result.exitCode === 1) return result.exitCode === 0;
  throw new ToolError(['git', 'merge-base', '--is-ancestor', ancestor, descendant], result.exitCode, result.stderr);
}

/**
 * Commits exactly these paths (changes, additions and deletions) on the worktree's branch: what
 * parx inspected, not whatever a still-running agent wrote since; newer files stay uncommitted
 * in the worktree. Refuses (returns why) when the index holds anything else by then: an agent
 * staged more after the inspection. `env` reaches the commit's hooks (PARX_ALLOW_VIOLATIONS for
 * parx's own commit gate).
 */
export async function commitPaths(worktree: string, paths: readonly string[], message: string, env?: Record<string, string>): Promise<string | undefined> {
  // Paths, not pathspecs, NUL-separated on stdin: any file name, no glob magic, and a deletion
  // already staged is fine (`git add` would refuse that path as matching nothing).
  const add = await execa('git', ['update-index', '--add', '--remove', '-z', '--stdin'], { cwd: worktree, reject: false, input: `${paths.join('\0')}\0` });
  if (add.failed) return add.stderr.trim() || add.shortMessage;
  const staged = (await runGit(worktree, ['diff', '--cached', '--name-only', '-z', '--no-renames'])).split('\0').filter(Boolean);
  const wanted = new Set(paths);
  const newer = staged.filter((p) => !wanted.has(p));
  if (newer.length > 0)
    return `more was staged in its worktree after parx looked (${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ', …' : ''}); run \`parx down\` again`;
  const commit = await execGit(worktree, ['commit', '--quiet', '-m', message], env);
  return commit.failed ? commit.stderr.trim() || commit.stdout.trim() || commit.shortMessage : undefined;
}

/** Puts tracked changes aside in the stash (`git stash list` shows them with `message`). */
export async function stashTrackedChanges(worktree: string, message: string): Promise<void> {
  await runGit(worktree, ['stash', 'push', '--quiet', '-m', message]);
}

/**
 * The operation a worktree is in the middle of (a merge, rebase…), from the marker files git
 * leaves in its git dir; undefined when none.
 */
export function getOperationInProgress(worktree: string): string | undefined {
  const gitDir = resolveGitDir(worktree);
  if (!gitDir) return undefined;
  const markers: Array<[string, string]> = [
    ['MERGE_HEAD', 'a merge'],
    ['rebase-merge', 'a rebase'],
    ['rebase-apply', 'a rebase (or git am)'],
    ['CHERRY_PICK_HEAD', 'a cherry-pick'],
    ['REVERT_HEAD', 'a revert'],
  ];
  return markers.find(([file]) => existsSync(join(gitDir, file)))?.[1];
}

/**
 * What moving from `from` to `to` does to each path: its blob id in `to`, or null where `to`
 * deletes it (submodule entries included as their commit ids; renames as a deletion plus an
 * addition).
 */
export async function listTreeChanges(cwd: string, from: string, to: string): Promise<Record<string, string | null>> {
  const out = await runGit(cwd, ['diff-tree', '-r', '-z', '--no-renames', from, to]);
  const fields = out.split('\0');
  const changes: Record<string, string | null> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    // ":100644 100644 <old> <new> M", then the path.
    const [, , , blob = '', status = ''] = fields[i]!.split(' ');
    changes[fields[i + 1]!] = status === 'D' ? null : blob;
  }
  return changes;
}
