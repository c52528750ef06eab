import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Where git keeps a worktree's data, found by reading files instead of running git: `parx hook`
 * runs on every file-writing tool call of an agent and cannot spend a process spawn on it.
 */

/** A worktree's git dir: `.git` itself, or where the `gitdir:` line of a linked worktree's `.git` file points. */
export function resolveGitDir(worktree: string): string | undefined {
  const dotGit = join(worktree, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const match = /^gitdir: (.*)$/m.exec(readFileSync(dotGit, 'utf8'));
    return match ? resolve(worktree, match[1]!.trim()) : undefined;
  } catch {
    return undefined;
  }
}

/** The worktree containing `from` (nearest folder up with a `.git`), or undefined. */
export function findWorktreeTop(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The repository's common git dir, seen from anywhere inside any of its worktrees. */
export function findCommonDir(from: string): string | undefined {
  const top = findWorktreeTop(from);
  const gitDir = top && resolveGitDir(top);
  if (!gitDir) return undefined;
  // A linked worktree's git dir names the common dir in its `commondir` file.
  try {
    return resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

/**
 * The path the file system will really write for `path`, whether or not it exists: every
 * symlink on the way is followed, a dangling one too (writing through `docs/f -> ../src/b/new.ts`
 * creates src/b/new.ts), and a path that does not exist yet is its deepest existing ancestor's
 * real path plus the rest. Also makes /tmp and /private/tmp (macOS) compare equal.
 */
export function realpath(path: string, depth = 0): string {
  try {
    return realpathSync(path);
  } catch {
    // Missing, or a dangling symlink (a loop, past 40 hops, is left as it is).
    try {
      if (depth < 40 && lstatSync(path).isSymbolicLink()) return realpath(resolve(dirname(path), readlinkSync(path)), depth + 1);
    } catch {
      // does not exist at all
    }
    const parent = dirname(path);
    return parent === path ? path : resolve(realpath(parent, depth), basename(path));
  }
}
