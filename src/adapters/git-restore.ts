import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execGit } from './git.js';

/**
 * Puts one path of a worktree back as its branch tip has it (`guard.onViolation: revert`),
 * index included: restored from HEAD when HEAD has it; otherwise (a new file) unstaged and
 * deleted. Returns git's reason when it fails. The caller quarantines the written content first.
 */
/** The blob id of `rev:path` (e.g. `HEAD:src/a.ts`), or undefined when there is no such file. */
export async function getBlobId(worktree: string, object: string): Promise<string | undefined> {
  const result = await execGit(worktree, ['rev-parse', '--verify', '--quiet', object]);
  return result.failed ? undefined : result.stdout.trim();
}

export async function restorePathFromHead(worktree: string, path: string): Promise<string | undefined> {
  const inHead = (await execGit(worktree, ['cat-file', '-e', `HEAD:${path}`])).exitCode === 0;
  const args = inHead ? ['restore', '--source=HEAD', '--staged', '--worktree', '--', path] : ['rm', '--cached', '--quiet', '--ignore-unmatch', '--', path];
  const result = await execGit(worktree, args);
  if (result.failed) return result.stderr.trim() || result.shortMessage;
  if (!inHead) await rm(join(worktree, path), { force: true });
  return undefined;
}
