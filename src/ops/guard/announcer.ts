import { notifyTmux } from '../../adapters/tmux.js';
import type { RunFiles } from '../../adapters/run-files.js';
import type { RunEvent } from '../../core/run-state.js';
import { escapeControlChars } from '../../core/safe-text.js';

/**
 * The slow half of announcing a guard event: the `events.jsonl` line, the red violation count
 * on the offending pane's border and a tmux message to attached clients. Batched per short
 * interval so that a burst of thousands of writes costs a handful of file appends and tmux
 * calls, not thousands; the fast half (the printed line) happens at once, in the CLI.
 */
export class GuardAnnouncer {
  private lines: string[] = [];
  private messages: string[] = [];
  private readonly dirtyPanes = new Set<string>();
  private options: Array<[session: string, option: string, value: string]> = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly files: RunFiles,
    /** Where to show things; refreshed by the guard as `parx up` records panes. */
    private readonly tmux: { session: string | undefined; panes: ReadonlyMap<string, string> },
    /** Session → violations so far (read at flush time). */
    private readonly countOf: (session: string) => number,
    private readonly intervalMs = 50,
  ) {}

  announce(event: RunEvent, message: string | undefined, session: string | undefined): void {
    this.lines.push(JSON.stringify(event));
    // File names in a message reach the user's terminal through tmux's status line.
    if (message) this.messages.push(escapeControlChars(message));
    if (session) this.dirtyPanes.add(session);
    this.schedule();
  }

  /** A message for attached clients and a border to re-mark, with no event line (the event is recorded elsewhere). */
  show(message: string, session?: string): void {
    this.messages.push(escapeControlChars(message));
    if (session) this.dirtyPanes.add(session);
    this.schedule();
  }

  /** Queues a pane option of a session's pane (e.g. `@parx_state`, which the border shows). */
  setPaneOption(session: string, option: string, value: string): void {
    this.options.push([session, option, value]);
    this.schedule();
  }

  /** Re-marks the borders of these sessions (their panes may be new, or newly known). */
  remark(sessions: Iterable<string>): void {
    for (const s of sessions) this.dirtyPanes.add(s);
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      // A failed flush (the repository deleted under the guard) must not stop later ones, nor the guard.
      this.flushing = this.flushing.then(() => this.flush()).catch(() => {});
    }, this.intervalMs);
  }

  /** Writes everything still queued; call before exit. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush();
  }

  private async flush(): Promise<void> {
    const lines = this.lines.splice(0);
    const messages = this.messages.splice(0);
    const sessions = [...this.dirtyPanes];
    this.dirtyPanes.clear();
    const options = this.options.splice(0);
    if (lines.length > 0) await this.files.appendLines(lines);
    const { session: tmuxSession, panes } = this.tmux;
    if (!tmuxSession || (messages.length === 0 && sessions.length === 0 && options.length === 0)) return;
    const message = messages.length === 1 ? messages[0] : messages.length > 1 ? `parx: ${messages.length} new findings; see the guard pane` : undefined;
    await notifyTmux(
      tmuxSession,
      message,
      [...sessions.map((s): [string, string, string] => [s, '@parx_violations', String(this.countOf(s))]), ...options].flatMap(([s, option, value]) =>
        panes.has(s) ? [[panes.get(s)!, option, value] as [string, string, string]] : [],
      ),
    );
  }
}
