import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolError } from '../core/errors.js';
import { resolveGitDir } from './git-dir.js';
import { execGit, NO_HOOKS, runGit, toGitError } from './git.js';

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
  const result = await execGit(cwd, args, undefined, input);
  if (result.exitCode !== 0) throw toGitError(cwd, args, result);
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
 * Commits exactly these paths of a session's worktree (changes, additions and deletions, as the
 * files are on disk) on its branch: what parx inspected, not whatever a still-running agent wrote
 * since. Nothing the session controls decides what is committed or where: the tree is the branch
 * tip's (the commit parx read from the ref, not the worktree's HEAD or index) with these paths
 * taken from disk, built in an index of parx's own; no hook runs (it would run code the session
 * wrote, outside its sandbox); and the branch moves only if it still points at `tip`. The
 * worktree's own index then learns those paths, so the worktree is clean. Returns the commit, or
 * why it failed.
 */
export async function commitWorktreePaths(
  worktree: string,
  branch: { ref: string; tip: string },
  paths: readonly string[],
  message: string,
  scratch: string,
): Promise<{ commit: string } | { failure: string }> {
  const index = join(scratch, `wip-${randomBytes(6).toString('hex')}.index`);
  const env = { ...process.env, GIT_INDEX_FILE: index } as Record<string, string>;
  // Paths, not pathspecs, NUL-separated on stdin: any file name, no glob magic.
  const list = `${paths.join('\0')}\0`;
  try {
    const steps: Array<[string[], string | undefined]> = [
      [['read-tree', branch.tip], undefined],
      [['update-index', '--add', '--remove', '-z', '--stdin'], list],
    ];
    for (const [args, input] of steps) {
      const result = await execGit(worktree, [...NO_HOOKS, ...args], env, input);
      if (result.failed) return { failure: toGitError(worktree, args, result).stderr.trim() };
    }
    const tree = await execGit(worktree, ['write-tree'], env);
    if (tree.failed) return { failure: toGitError(worktree, ['write-tree'], tree).stderr.trim() };
    const commit = (await runGit(worktree, ['commit-tree', tree.stdout.trim(), '-p', branch.tip, '-m', message])).trim();
    const moved = await execGit(worktree, ['update-ref', '-m', message, branch.ref, commit, branch.tip]);
    if (moved.failed) return { failure: `its branch moved while parx committed (${moved.stderr.trim()}); run \`parx down\` again` };
    // The worktree's index as the commit has those paths; what else it had staged stays staged.
    const known = await execGit(worktree, [...NO_HOOKS, 'update-index', '--add', '--remove', '-z', '--stdin'], undefined, list);
    if (known.failed) return { failure: `committed as ${commit.slice(0, 9)}, but its index could not follow: ${known.stderr.trim()}` };
    return { commit };
  } finally {
    await rm(index, { force: true });
  }
}

/**
 * Moves a session's branch from `from` to `to` (a descendant: a sync merge) and its worktree's
 * index and files with it. `read-tree -m -u` updates only what differs and refuses, changing
 * nothing, when a file it would touch has local changes; the branch is named explicitly and moves
 * only if it still points at `from`, whatever the worktree's HEAD says. No hook runs.
 */
export async function advanceWorktree(worktree: string, ref: string, from: string, to: string): Promise<string | undefined> {
  const update = await execGit(worktree, [...NO_HOOKS, 'read-tree', '-m', '-u', from, to]);
  if (update.failed) return update.stderr.trim() || update.shortMessage;
  const moved = await execGit(worktree, ['update-ref', '-m', 'parx: sync', ref, to, from]);
  if (!moved.failed) return undefined;
  // The branch moved meanwhile (the agent committed): put the files back as its commit has them.
  await execGit(worktree, [...NO_HOOKS, 'read-tree', '-m', '-u', to, from]);
  return `its branch moved while parx synced it (${moved.stderr.trim()}); nothing was changed`;
}

/**
 * A commit of everything a worktree holds that git would commit (tracked changes, deletions and
 * untracked files that are not ignored), made without touching the worktree, its index or any
 * ref: an index of parx's own filled by `git add -A` from the worktree's HEAD. Its parents are
 * `parents` (the branch tip, then HEAD when it is elsewhere). Undefined when nothing differs
 * from the first parent. No hook runs; `excludesFile` is the run's copy of the user's ignore file.
 */
export async function snapshotWorktree(
  worktree: string,
  parents: readonly string[],
  message: string,
  scratch: string,
  options: { excludesFile?: string | undefined; env?: Record<string, string> | undefined } = {},
): Promise<{ commit: string } | { unchanged: true } | { failure: string }> {
  const index = join(scratch, `snapshot-${randomBytes(6).toString('hex')}.index`);
  const env = { ...process.env, ...options.env, GIT_INDEX_FILE: index } as Record<string, string>;
  const excludes = options.excludesFile ? ['-c', `core.excludesFile=${options.excludesFile}`] : [];
  try {
    const start = (await execGit(worktree, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], env)).stdout.trim() || parents[0]!;
    for (const args of [
      ['read-tree', start],
      [...excludes, 'add', '-A', '--ignore-errors', '--', '.'],
    ]) {
      const result = await execGit(worktree, [...NO_HOOKS, ...args], env);
      if (result.failed && args[0] === 'read-tree') return { failure: toGitError(worktree, args, result).stderr.trim() };
    }
    const tree = await execGit(worktree, ['write-tree'], env);
    if (tree.failed) return { failure: toGitError(worktree, ['write-tree'], tree).stderr.trim() };
    const first = (await execGit(worktree, ['rev-parse', `${parents[0]}^{tree}`], env)).stdout.trim();
    if (tree.stdout.trim() === first && parents.length === 1) return { unchanged: true };
    const commit = (await runGit(worktree, ['commit-tree', tree.stdout.trim(), ...parents.flatMap((p) => ['-p', p]), '-m', message])).trim();
    return { commit };
  } finally {
    await rm(index, { force: true });
  }
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
