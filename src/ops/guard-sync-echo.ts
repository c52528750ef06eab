import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getBlobId } from '../adapters/files.js';
import type { RunFiles, SyncRecord } from '../adapters/run-files.js';

/**
 * Tells the guard which writes in a session's worktree were `parx sync`'s: merging base into a
 * dependent writes the landed sessions' files there, which the watcher would otherwise flag as
 * that session trespassing. A change is the sync's only while the file holds exactly what the
 * sync wrote (same blob id, or still deleted); anything the agent writes over it is its own.
 */
export class SyncEchoes {
  private readonly cache = new Map<string, { mtimeMs: number; record: SyncRecord | undefined }>();

  constructor(private readonly files: RunFiles) {}

  isEcho(session: string, worktree: string, path: string): boolean {
    const record = this.read(session);
    if (!record || !Object.hasOwn(record.files, path)) return false;
    const expected = record.files[path]!;
    return getBlobId(join(worktree, path), expected?.length ?? 40) === expected;
  }

  /** The session's sync record, read again only when its file changed (one stat per look). */
  private read(session: string): SyncRecord | undefined {
    const path = this.files.syncRecordPath(session);
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.cache.get(session);
    if (cached?.mtimeMs === mtimeMs) return cached.record;
    let record: SyncRecord | undefined;
    try {
      record = JSON.parse(readFileSync(path, 'utf8')) as SyncRecord;
    } catch {
      record = undefined;
    }
    this.cache.set(session, { mtimeMs, record });
    return record;
  }
}
