import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getBlobId } from '../adapters/files.js';
import type { RunFiles, SyncRecord } from '../adapters/run-files.js';
import type { PathChange } from '../core/changes.js';
import type { RunState } from '../core/run-state.js';

/**
 * Writes parx itself makes in a session's worktree, which the guard must not take for the
 * session's own:
 * - `parx sync` merging base into a dependent writes the landed sessions' files there. Such a
 *   change is the sync's only while the file holds exactly what the sync wrote (same blob id,
 *   or still deleted); anything the agent writes over it is its own.
 * - `parx down` removing a merged session's worktree deletes every file in it. Down records the
 *   removal in state.json before it starts, so a deletion while that record stands is down's.
 * Both records live outside the sessions' folders, where no agent can write them. Each is read
 * again only when its file changed (one stat per look), and looked at only for changes that
 * would otherwise count.
 */
export class OwnWrites {
  private readonly cache = new Map<string, { mtimeMs: number; value: unknown }>();

  constructor(private readonly files: RunFiles) {}

  isOwn(session: string, worktree: string, change: PathChange): boolean {
    if (change.change === 'unlink' && this.read<RunState>(this.files.statePath)?.down?.removing?.[session] !== undefined) return true;
    const sync = this.read<SyncRecord>(this.files.syncRecordPath(session));
    if (!sync || !Object.hasOwn(sync.files, change.path)) return false;
    const expected = sync.files[change.path]!;
    return getBlobId(join(worktree, change.path), expected?.length ?? 40) === expected;
  }

  private read<T>(path: string): T | undefined {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.cache.get(path);
    if (cached?.mtimeMs === mtimeMs) return cached.value as T | undefined;
    let value: T | undefined;
    try {
      value = JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch {
      value = undefined;
    }
    this.cache.set(path, { mtimeMs, value });
    return value;
  }
}
