import { lstat } from 'node:fs/promises';
import type { RunFiles } from '../../adapters/run-files.js';
import { readUntrusted } from '../../adapters/untrusted-files.js';

/**
 * Moves what sandboxed sessions' hooks reported (their outboxes, `agents/<session>/events.jsonl`)
 * into events.jsonl: inside its sandbox a session can write only its own folder of the run.
 * Only the recording guard relays; how far it got is kept in a file of the run (read-only to
 * every session), so a restarted guard neither repeats nor skips a line.
 */
const MAX_READ = 1024 * 1024;

export class OutboxRelay {
  private offsets: Record<string, number> | undefined;

  constructor(
    private readonly files: RunFiles,
    private readonly sessions: readonly string[],
  ) {}

  async relay(): Promise<void> {
    this.offsets ??= (await this.files.readRelayOffsets()) ?? {};
    let moved = false;
    for (const session of this.sessions) {
      const path = this.files.outboxPath(session);
      // The session writes this file: a link, a FIFO or a folder there is no outbox at all.
      const found = await lstat(path).catch(() => undefined);
      const size = found?.isFile() ? found.size : 0;
      const from = this.offsets[session] ?? 0;
      if (size === from) continue;
      // A smaller outbox was emptied or replaced (by its session): start over from its beginning.
      const start = size < from ? 0 : from;
      // At most 1 MiB a pass: the session writes this file, and could make it huge.
      const text = (await readUntrusted(path, Math.min(size, start + MAX_READ) - start, start)) ?? '';
      // Only whole lines: one being written now is taken next time.
      const end = text.lastIndexOf('\n') + 1;
      if (end === 0) continue;
      await this.files.appendLines(
        text
          .slice(0, end)
          .split('\n')
          .filter((l) => isRelayable(l, session)),
      );
      this.offsets[session] = start + Buffer.byteLength(text.slice(0, end));
      moved = true;
    }
    if (moved) await this.files.writeRelayOffsets(this.offsets);
  }
}

/**
 * A session writes its outbox itself: relay only what its hook writes there, a `denied` or
 * `request` event of that same session, so it cannot put a violation of another session into
 * the record.
 */
function isRelayable(line: string, session: string): boolean {
  try {
    const event = JSON.parse(line) as { type?: unknown; session?: unknown } | null;
    return (event?.type === 'denied' || event?.type === 'request') && event.session === session;
  } catch {
    return false;
  }
}
