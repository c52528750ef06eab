import { watch, type FSWatcher } from 'node:fs';
import { drainSessionObjects, getSessionObjectsDir } from '../../adapters/session-objects.js';
import type { Project } from '../common/project.js';

/**
 * Drains a sandboxed session's object folder into the shared store, verified, as soon as it
 * changes (adapters/session-objects.ts): plain git in the repository then sees a session's commit
 * within moments (`git log parx/a`), and `git gc` finds every object a session's index or reflog
 * names. A folder's watch covers its fan-out folders too (recursive); a drain waits a moment for
 * a burst of writes (a `git add` of many files) to settle, and one drain per folder runs at a time.
 * A watch set on a fan-out folder git has just made can miss the objects written into it at
 * once, so a drain that moved anything looks again a moment later, and every folder is swept
 * every few seconds whatever the watches said.
 */
export class ObjectDrain {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly reported = new Set<string>();

  private lastSweep = Date.now();

  constructor(
    private readonly project: Project,
    private readonly onProblem: (session: string, problem: string) => void,
    private readonly settleMs = 50,
    private readonly sweepMs = 5_000,
  ) {}

  /** Called on the guard's poll: every folder drained again once `sweepMs` has passed. */
  sweep(now = Date.now()): void {
    if (now - this.lastSweep < this.sweepMs) return;
    this.lastSweep = now;
    for (const session of this.watchers.keys()) this.schedule(session);
  }

  /** Watches every session's folder that exists now (the next `up` makes the others; `watchNew` picks them up). */
  watchNew(): void {
    for (const session of this.project.config.sessions) {
      if (this.watchers.has(session.name)) continue;
      const dir = getSessionObjectsDir(this.project.commonDir, session.name);
      let watcher: FSWatcher;
      try {
        watcher = watch(dir, { recursive: true }, () => this.schedule(session.name));
      } catch {
        continue; // not made yet (its session is not sandboxed, or not started)
      }
      // The folder goes when `down` removes the session: watched again if a later `up` makes it.
      watcher.on('error', () => {
        watcher.close();
        this.watchers.delete(session.name);
      });
      this.watchers.set(session.name, watcher);
      this.schedule(session.name);
    }
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    for (const timer of this.timers.values()) clearTimeout(timer);
  }

  private schedule(session: string): void {
    clearTimeout(this.timers.get(session));
    this.timers.set(
      session,
      setTimeout(() => void this.drain(session), this.settleMs),
    );
  }

  private async drain(session: string): Promise<void> {
    const previous = this.running.get(session) ?? Promise.resolve();
    const next = previous.then(async () => {
      const result = await drainSessionObjects(this.project.root, this.project.commonDir, session);
      if (result.ok && result.moved > 0) setTimeout(() => this.schedule(session), 200);
      if (!result.ok && !this.reported.has(result.reason)) {
        this.reported.add(result.reason);
        this.onProblem(session, result.reason);
      }
    });
    this.running.set(
      session,
      next.catch(() => {}),
    );
    await next.catch(() => {});
  }
}
