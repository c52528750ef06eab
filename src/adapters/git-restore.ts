import { lstat, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { execGit } from './git.js';
import { writeFileAtomically } from './untrusted-files.js';

/**
 * Puts one path of a worktree back as its branch tip has it (`guard.onViolation: revert`).
 * The caller quarantines what was written first.
 */

/** What a checkout of HEAD writes at a path: the bytes on disk (line endings and smudge filters applied) and the mode. */
export interface CheckoutContent {
  content: Buffer;
  /** `100644`, `100755` or `120000` (a symlink, `content` its target). */
  mode: string;
}

/** What a checkout of HEAD would write at `path`, or undefined when HEAD has no file there. */
export async function readCheckoutContent(worktree: string, path: string): Promise<CheckoutContent | undefined> {
  const listing = await execGit(worktree, ['ls-tree', '-z', 'HEAD', '--', path]);
  const [meta] = listing.stdout.split('\t');
  const [mode, type] = (meta ?? '').split(' ');
  if (listing.failed || type !== 'blob' || !mode) return undefined;
  // --filters: the content as checkout writes it (eol=crlf, LFS…), not the blob as stored.
  const blob = await execa('git', ['cat-file', '--filters', `HEAD:${path}`], {
    cwd: worktree,
    encoding: 'buffer',
    stripFinalNewline: false,
    reject: false,
    stdin: 'ignore',
  });
  return blob.failed ? undefined : { content: Buffer.from(blob.stdout), mode };
}

/**
 * Restores `path` to `checkout` (what HEAD has there; undefined: no file). When the index
 * already agrees with HEAD for the path (the agent only wrote the file, the usual case), the
 * file is written directly, so the worktree's index.lock is never taken from under the agent's
 * own `git add` or `git commit`; otherwise git restores index and file together. Returns git's
 * reason when it fails.
 */
export async function restorePath(worktree: string, path: string, checkout: CheckoutContent | undefined): Promise<string | undefined> {
  const [inHead, inIndex] = await Promise.all([getBlobId(worktree, `HEAD:${path}`), getBlobId(worktree, `:${path}`)]);
  const file = join(worktree, path);
  if (inHead === inIndex) {
    try {
      // The session made what is there now: never write through it (a link to ~/.bashrc), replace it.
      const found = await lstat(file).catch(() => undefined);
      if (found?.isDirectory()) throw new Error('a folder: git restores it');
      if (!checkout) await rm(file, { force: true });
      else if (checkout.mode === '120000') {
        await rm(file, { force: true });
        await symlink(checkout.content.toString(), file);
      } else await writeFileAtomically(file, checkout.content, checkout.mode === '100755' ? 0o755 : 0o644);
      return undefined;
    } catch {
      // Not a plain file any more (a folder now, say): let git sort it out below.
    }
  }
  const args = inHead ? ['restore', '--source=HEAD', '--staged', '--worktree', '--', path] : ['rm', '--cached', '--quiet', '--ignore-unmatch', '--', path];
  const result = await execGit(worktree, args);
  if (result.failed) return result.stderr.trim() || result.shortMessage;
  if (!inHead) await rm(file, { force: true });
  return undefined;
}

/** The blob id of `rev:path` (`HEAD:src/a.ts`; `:src/a.ts` for the index), or undefined when there is none. */
async function getBlobId(worktree: string, object: string): Promise<string | undefined> {
  const result = await execGit(worktree, ['rev-parse', '--verify', '--quiet', object]);
  return result.failed ? undefined : result.stdout.trim();
}
