import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { restorePathFromHead } from '../adapters/git-restore.js';
import type { RunFiles } from '../adapters/run-files.js';

export interface RevertOutcome {
  /** Where the written content was saved (absent for a deletion: nothing was written). */
  quarantined?: string;
  error?: string;
}

/**
 * `guard.onViolation: revert`: a file a session wrote outside its ownership is put back as its
 * branch tip has it, after what was written is saved under
 * `<git-common-dir>/parx/quarantine/<session>/<time>/<path>`, so nothing is lost. One revert at
 * a time per worktree (they share its index), and the guard's own restore is not judged again.
 */
export class Reverter {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** `session\0path` → when parx last restored it: the watcher reports parx's own write too. */
  private readonly restoredAt = new Map<string, number>();

  constructor(private readonly files: RunFiles) {}

  /** Whether a change event at this path is the echo of a restore parx just made. */
  isOwnEcho(session: string, path: string, now = Date.now()): boolean {
    const at = this.restoredAt.get(`${session}\0${path}`);
    return at !== undefined && now - at < 1000;
  }

  revert(session: string, worktree: string, path: string): Promise<RevertOutcome> {
    const next = (this.queues.get(worktree) ?? Promise.resolve()).then(() => this.revertNow(session, worktree, path));
    this.queues.set(worktree, next.catch(() => {}));
    return next;
  }

  private async revertNow(session: string, worktree: string, path: string): Promise<RevertOutcome> {
    const file = join(worktree, path);
    let quarantined: string | undefined;
    if (existsSync(file)) {
      quarantined = join(this.files.dir, 'quarantine', session, new Date().toISOString().replace(/[:.]/g, '-'), path);
      await mkdir(dirname(quarantined), { recursive: true });
      await copyFile(file, quarantined);
    }
    this.restoredAt.set(`${session}\0${path}`, Date.now());
    const error = await restorePathFromHead(worktree, path);
    this.restoredAt.set(`${session}\0${path}`, Date.now());
    return { ...(quarantined ? { quarantined } : {}), ...(error ? { error } : {}) };
  }
}
