import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getBlobId } from '../../adapters/files.js';
import { isProcessAlive, type RunFiles, type SyncRecord } from '../../adapters/run-files.js';
import type { PathChange } from '../../core/changes.js';
import type { RunState } from '../../core/run-state.js';

/**
 * Writes parx itself makes in a session's worktree, which the guard must not take for the
 * session's own:
 * - `parx sync` merging base into a dependent writes the landed sessions' files there. Such a
 *   change is the sync's only while the file holds exactly what the sync wrote (same blob id,
 *   or still deleted); anything the agent writes over it is its own. While the sync runs, a
 *   listed file may be half written: the guard judges it once the sync is done.
 * - `parx down` removing a merged session's worktree deletes every file in it. Down records the
 *   removal in state.json before it starts, so a deletion while that record stands is down's.
 * Both records live outside the sessions' folders, where no agent can write them. Each is read
 * again only when its file changed (one stat per look), and looked at only for changes that
 * would otherwise count.
 */
export class OwnWrites {
  private readonly cache = new Map<string, { stamp: string; value: unknown }>();

  constructor(private readonly files: RunFiles) {}

  /**
   * `wait`: a sync is writing this very file right now (git may not have finished it): ask
   * again once it is done.
   */
  isOwn(session: string, worktree: string, change: PathChange): 'yes' | 'no' | 'wait' {
    if (change.change === 'unlink' && this.read<RunState>(this.files.statePath)?.down?.removing?.[session] !== undefined) return 'yes';
    const sync = this.read<SyncRecord>(this.files.syncRecordPath(session));
    if (!sync || !Object.hasOwn(sync.files, change.path)) return 'no';
    if (sync.writer !== undefined && isProcessAlive(sync.writer)) return 'wait';
    const expected = sync.files[change.path]!;
    return getBlobId(join(worktree, change.path), expected?.length ?? 40) === expected ? 'yes' : 'no';
  }

  private read<T>(path: string): T | undefined {
    // Inode and mtime: both files are replaced by rename, so a new version is a new inode.
    let stamp: string;
    try {
      const stat = statSync(path);
      stamp = `${stat.ino}:${stat.mtimeMs}`;
    } catch {
      return undefined;
    }
    const cached = this.cache.get(path);
    if (cached?.stamp === stamp) return cached.value as T | undefined;
    let value: T | undefined;
    try {
      value = JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch {
      value = undefined;
    }
    this.cache.set(path, { stamp, value });
    return value;
  }
}
