import { notifyDesktop, ringPaneBell, runNotifyCommand } from '../../adapters/notify.js';

/**
 * Brings the human to where they are needed, once: when a session starts waiting, asks for a
 * path, or violates ownership. A bell in the session's pane (tmux flags its window), a desktop
 * notification where there is one, and the user's `notify:` command (PARX_EVENT, PARX_SESSION,
 * PARX_MESSAGE in its environment). Throttled to one per session per state change: a burst of
 * violations is one notification, and the next comes after the session has moved on.
 */

export type NotifyKind = 'waiting' | 'request' | 'violation' | 'integration';

export class GuardNotifier {
  /** Per session, what was notified since its last state change. */
  private readonly notified = new Map<string, Set<string>>();

  constructor(
    private readonly command: string | undefined,
    private readonly cwd: string,
    private readonly paneOf: (session: string) => string | undefined,
    private readonly onError: (message: string) => void,
  ) {}

  /** A session's state changed: it may be notified again. */
  reset(session: string): void {
    this.notified.delete(session);
  }

  /** `key` tells events of one kind apart (a request's id); a violation's kind is its key. */
  notify(kind: NotifyKind, session: string, message: string, key: string = kind): void {
    const seen = this.notified.get(session) ?? new Set<string>();
    if (seen.has(key)) return;
    seen.add(key);
    this.notified.set(session, seen);
    void this.deliver(kind, session, message).catch((error: Error) => this.onError(error.message));
  }

  private async deliver(kind: NotifyKind, session: string, message: string): Promise<void> {
    const pane = this.paneOf(session);
    const variables = { ...process.env, PARX_EVENT: kind, PARX_SESSION: session, PARX_MESSAGE: message };
    await Promise.all([
      pane ? ringPaneBell(pane) : undefined,
      notifyDesktop(`parx: ${session}`, message),
      this.command ? runNotifyCommand(this.command, this.cwd, variables).then((error) => error && this.onError(error)) : undefined,
    ]);
  }
}
