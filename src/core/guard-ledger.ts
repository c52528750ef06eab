import type { Violation } from './changes.js';

/**
 * The guard's memory of a run, and its rules for what is news. Pure: the guard feeds it every
 * change it judged (from git on start, from the watcher after) and announces what it returns.
 *
 * - A violation is news once per session and path, however often the file changes again; the
 *   session's count (its pane border's `✗ N`) counts those.
 * - A collision starts when a second session changes a path any other changed, and is news
 *   again each time one more session joins it (the announcement names them all).
 * - A session whose worktree is gone (landed, removed) is forgotten: its paths no longer
 *   collide with anyone's, its violations and count go, and when it comes back (a new
 *   `parx up`) what it changes is news again. A collision it was part of ends, or shrinks to
 *   the sessions left, so a session that joins later is announced against those.
 */
export interface LedgerNews {
  /** The violation, the first time this session changed this path outside its ownership. */
  violation?: Violation;
  /** Every session that changed the path (in config order), when the collision started or grew. */
  collision?: string[];
}

export class GuardLedger {
  private readonly changed: Map<string, Set<string>>;
  private readonly seen = new Set<string>();
  private readonly counts = new Map<string, number>();
  /** Path → how many sessions the last collision announced for it named. */
  private readonly announced = new Map<string, number>();

  constructor(private readonly order: readonly string[]) {
    this.changed = new Map(order.map((s) => [s, new Set<string>()]));
  }

  /** `session` changed `path`; `violation` is the judgement of that change, if it is one. */
  record(session: string, path: string, violation: Violation | undefined): LedgerNews {
    const news: LedgerNews = {};
    this.changed.get(session)?.add(path);
    const key = `${session}\0${path}`;
    if (violation && !this.seen.has(key)) {
      this.seen.add(key);
      this.counts.set(session, this.violationCount(session) + 1);
      news.violation = violation;
    }
    const by = this.changedBy(path);
    if (by.length > 1 && by.length > (this.announced.get(path) ?? 1)) {
      this.announced.set(path, by.length);
      news.collision = by;
    }
    return news;
  }

  /** The session's worktree is gone: forget what it changed (see above). */
  forget(session: string): void {
    const paths = this.changed.get(session);
    if (!paths) return;
    for (const path of paths) {
      this.seen.delete(`${session}\0${path}`);
      const left = this.changedBy(path).filter((s) => s !== session).length;
      if (left > 1) this.announced.set(path, left);
      else this.announced.delete(path);
    }
    paths.clear();
    this.counts.delete(session);
  }

  /** Whether `session` was recorded changing `path`. */
  hasChanged(session: string, path: string): boolean {
    return this.changed.get(session)?.has(path) ?? false;
  }

  violationCount(session: string): number {
    return this.counts.get(session) ?? 0;
  }

  /** Sessions with at least one violation, in config order. */
  sessionsWithViolations(): string[] {
    return this.order.filter((s) => this.violationCount(s) > 0);
  }

  private changedBy(path: string): string[] {
    return this.order.filter((s) => this.changed.get(s)!.has(path));
  }
}
