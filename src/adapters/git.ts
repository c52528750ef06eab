import { realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { execa } from 'execa';
import { ToolError, UsageError } from '../core/errors.js';
import type { WorktreeFact } from '../core/worktree-plan.js';

/**
 * git with argv arrays and an explicit working directory on every call, run through execa.
 *
 * Not simple-git for these: it waits a fixed 50 ms after any command that prints nothing (its
 * completion plugin: `worktree add --quiet`, `worktree prune`, an empty `for-each-ref`), which
 * alone made `parx up` of 8 sessions 0.4 s slower, and by default it counts a silent non-zero
 * exit (`rev-parse --verify -q`, a `merge-tree` conflict) as success.
 */

/** Runs git and returns its stdout; throws ToolError with git's own message on failure. */
export async function runGit(cwd: string, args: string[]): Promise<string> {
  const result = await execa('git', args, { cwd, reject: false, stripFinalNewline: false, stdin: 'ignore' });
  if (result.failed) throw new ToolError(['git', ...args], result.exitCode, result.stderr || result.shortMessage || '');
  return result.stdout;
}

/** Like runGit, but a failure is an answer ("no"), not an error. */
async function tryGit(cwd: string, args: string[]): Promise<string | undefined> {
  const result = await execa('git', args, { cwd, reject: false, stripFinalNewline: false, stdin: 'ignore' });
  return result.failed ? undefined : result.stdout;
}

export const MIN_GIT = { major: 2, minor: 38 };

/** git ≥ 2.38 is needed for `merge-tree --write-tree`. Throws UsageError (exit 2) otherwise. */
export async function verifyGitVersion(cwd: string): Promise<void> {
  const result = await execa('git', ['--version'], { cwd, reject: false, stdin: 'ignore' });
  if ((result as { code?: string }).code === 'ENOENT') throw new UsageError('git is not installed (parx needs git ≥ 2.38)');
  const match = /(\d+)\.(\d+)/.exec(result.stdout);
  if (!match) throw new UsageError(`cannot tell the git version from "${result.stdout.trim()}"`);
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < MIN_GIT.major || (major === MIN_GIT.major && minor < MIN_GIT.minor)) {
    throw new UsageError(`git ${major}.${minor} is too old: parx needs git ≥ 2.38 (for merge-tree --write-tree)`);
  }
}

export interface RepoLocation {
  /** Top of the worktree `cwd` is in (the main one or a session's). */
  toplevel: string;
  /** The main worktree, where `base` is checked out and merges happen. */
  root: string;
  /** `git rev-parse --git-common-dir`, absolute: parx keeps its state below it. */
  commonDir: string;
}

export async function locateRepo(cwd: string): Promise<RepoLocation> {
  const out = await tryGit(cwd, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir']);
  const [toplevel, commonDir] = out?.trim().split('\n') ?? [];
  if (!toplevel || !commonDir) {
    throw new UsageError(`not a git repository (or not inside its work tree): ${cwd}`);
  }
  // The common dir of a non-bare repository is the main worktree's `.git`.
  const root = basename(commonDir) === '.git' ? dirname(commonDir) : (await listWorktrees(toplevel))[0]!.path;
  return { toplevel: realpath(toplevel), root: realpath(root), commonDir: realpath(commonDir) };
}

export async function getCurrentBranch(cwd: string): Promise<string | undefined> {
  return (await tryGit(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD']))?.trim() || undefined;
}

export async function getCommit(cwd: string, ref: string): Promise<string | undefined> {
  return (await tryGit(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]))?.trim() || undefined;
}

/** Local branches under a prefix, as short names (`parx/auth`). */
export async function listBranches(cwd: string, prefix: string): Promise<Set<string>> {
  const out = await runGit(cwd, ['for-each-ref', '--format=%(refname:short)', `refs/heads/${prefix}`]);
  return new Set(out.split('\n').filter(Boolean));
}

/** Every file in a commit's tree, repository-relative. `-z`: names are not quoted or escaped. */
export async function listTreeFiles(cwd: string, ref: string): Promise<string[]> {
  const out = await runGit(cwd, ['ls-tree', '-r', '-z', '--name-only', '--full-tree', ref]);
  return out.split('\0').filter(Boolean);
}

export async function listWorktrees(cwd: string): Promise<WorktreeFact[]> {
  // `-z` keeps paths and lock reasons unquoted; stanzas end with an empty field.
  const out = await runGit(cwd, ['worktree', 'list', '--porcelain', '-z']);
  const facts: WorktreeFact[] = [];
  let current: WorktreeFact | undefined;
  for (const field of out.split('\0')) {
    if (field.startsWith('worktree ')) {
      current = { path: realpath(field.slice('worktree '.length)), branch: undefined, prunable: false };
      facts.push(current);
    } else if (current && field.startsWith('branch refs/heads/')) {
      current.branch = field.slice('branch refs/heads/'.length);
    } else if (current && field.startsWith('prunable')) {
      current.prunable = true;
    }
  }
  return facts;
}

/** `git worktree add`, creating `branch` from `from` when given. Never forced. */
export async function addWorktree(cwd: string, path: string, branch: string, from?: string): Promise<void> {
  const args = from ? ['worktree', 'add', '--quiet', '-b', branch, path, from] : ['worktree', 'add', '--quiet', path, branch];
  await runGit(cwd, args);
}

/** Forgets worktrees whose directories are gone (their branches and commits stay). */
export async function pruneWorktrees(cwd: string): Promise<void> {
  await runGit(cwd, ['worktree', 'prune']);
}

/** realpath when the path exists, so /tmp and /private/tmp (macOS) compare equal. */
export function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : resolve(realpath(parent), basename(path));
  }
}
