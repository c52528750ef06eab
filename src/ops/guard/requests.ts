import type { RunFiles } from '../../adapters/run-files.js';
import { getRequestSession, type RequestLine } from '../../core/requests.js';

/**
 * Follows each session's requests.jsonl (written by its hook, and by `parx ask`) so the guard
 * can announce a request, or its reason, as it comes. Requests made before the guard started
 * (an agent quicker than the guard's start) are announced when it starts, unless answered.
 */
export class RequestFollower {
  private readonly seen = new Map<string, number>();
  private readonly reading = new Map<string, Promise<void>>();

  constructor(
    private readonly files: RunFiles,
    private readonly onLine: (line: RequestLine, session: string) => void,
  ) {}

  async start(sessions: readonly string[], isAnswered: (id: string) => boolean): Promise<void> {
    for (const session of sessions) {
      const lines = await this.files.readRequestLines(session);
      this.seen.set(session, lines.length);
      const open = lines.filter((l) => getRequestSession(l.id) === session && !isAnswered(l.id));
      for (const line of open) this.onLine(line, session);
    }
  }

  /** The session's file changed: announce its new lines (reads are serialised per session). */
  follow(session: string): void {
    const previous = this.reading.get(session) ?? Promise.resolve();
    const next = previous.then(async () => {
      const lines = await this.files.readRequestLines(session);
      const from = this.seen.get(session) ?? 0;
      this.seen.set(session, lines.length);
      // A line naming another session's request is not this session's to write.
      for (const line of lines.slice(from)) if (getRequestSession(line.id) === session) this.onLine(line, session);
    });
    this.reading.set(
      session,
      next.catch(() => {}),
    );
  }
}
