import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { lstat, mkdir, readlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readCheckoutContent, restorePath, type CheckoutContent } from '../../adapters/git-restore.js';
import type { RunFiles } from '../../adapters/run-files.js';
import { readUntrustedBytes, readUntrustedBytesSync } from '../../adapters/untrusted-files.js';

export interface RevertOutcome {
  /** Where the written content was saved (absent for a deletion: nothing was written). */
  quarantined?: string;
  error?: string;
}

/**
 * `guard.onViolation: revert`: a file a session wrote outside its ownership is put back as its
 * branch tip has it, after what was written is saved under
 * `<git-common-dir>/parx/quarantine/<session>/<time>/<path>`, so nothing is lost. One revert at
 * a time per worktree (they share its index).
 *
 * The watcher reports parx's own restore too. That echo is recognised by content, not by time:
 * the file exactly as a checkout of the branch tip writes it (line endings and filters applied),
 * or absent when the tip has no such file. A second write that lands a moment after the restore
 * differs, and is reverted.
 */
export class Reverter {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** `worktree\0path` → what the restore leaves there (a digest of it), or null for "no file". */
  private readonly restored = new Map<string, string | null>();

  constructor(private readonly files: RunFiles) {}

  /** Whether the path, as it is now, is exactly what parx's last restore of it left. */
  isOwnEcho(worktree: string, path: string): boolean {
    const key = `${worktree}\0${path}`;
    if (!this.restored.has(key)) return false;
    const expected = this.restored.get(key)!;
    const file = join(worktree, path);
    if (expected === null) return !existsSync(file);
    try {
      return digestOnDisk(file) === expected;
    } catch {
      return false;
    }
  }

  /** Reverts the path; undefined when there was nothing to do (it already is as the tip has it). */
  revert(session: string, worktree: string, path: string): Promise<RevertOutcome | undefined> {
    const next = (this.queues.get(worktree) ?? Promise.resolve()).then(() => this.revertNow(session, worktree, path));
    this.queues.set(
      worktree,
      next.catch(() => {}),
    );
    return next;
  }

  private async revertNow(session: string, worktree: string, path: string): Promise<RevertOutcome | undefined> {
    // Queued behind a restore of the same path that already put it back: nothing to do.
    if (this.isOwnEcho(worktree, path)) return undefined;
    const file = join(worktree, path);
    let quarantined: string | undefined;
    // What the session wrote, kept: a file's bytes, a link's target (never what it points to), and
    // never a wait on a FIFO it planted.
    const found = await lstat(file).catch(() => undefined);
    const kept = found?.isFile()
      ? await readUntrustedBytes(file, MAX_QUARANTINED)
      : found?.isSymbolicLink()
        ? await readlink(file).catch(() => undefined)
        : undefined;
    if (kept !== undefined) {
      quarantined = join(
        this.files.dir,
        'quarantine',
        session,
        new Date().toISOString().replace(/[:.]/g, '-'),
        found?.isSymbolicLink() ? `${path}.symlink` : path,
      );
      await mkdir(dirname(quarantined), { recursive: true });
      await writeFile(quarantined, kept, { flag: 'wx' });
    }
    // What the restore will leave, known before it runs: its echo may be judged before it returns.
    const checkout = await readCheckoutContent(worktree, path);
    this.restored.set(`${worktree}\0${path}`, checkout ? digestOf(checkout) : null);
    const error = await restorePath(worktree, path, checkout);
    return { ...(quarantined ? { quarantined } : {}), ...(error ? { error } : {}) };
  }
}

/** A digest of what a checkout writes: the bytes of a file, or a symlink's target. */
function digestOf(checkout: CheckoutContent): string {
  return hash(checkout.mode === '120000' ? 'link' : 'file', checkout.content);
}

/** The same digest of what is on disk now (a FIFO or any other odd file matches nothing, and is never waited on). */
function digestOnDisk(file: string): string {
  if (lstatSync(file).isSymbolicLink()) return hash('link', Buffer.from(readlinkSync(file)));
  const bytes = readUntrustedBytesSync(file, MAX_QUARANTINED);
  return bytes === undefined ? '' : hash('file', bytes);
}

/** What the guard keeps of one reverted file at most (a session could write gigabytes there). */
const MAX_QUARANTINED = 64 * 1024 * 1024;

function hash(kind: string, content: Buffer): string {
  return createHash('sha256').update(`${kind}\0`).update(content).digest('hex');
}
