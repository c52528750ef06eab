import type { Violation } from '../../core/changes.js';
import type { RunEvent } from '../../core/run-state.js';
import type { ProjectOptions } from '../common/project.js';
import type { StateChange } from './agent-states.js';
import type { RevertOutcome } from './revert.js';

/** What `parx guard` reports, and how it is started: shared by the guard's files and the CLI. */

export type GuardEvent = RunEvent &
  (
    | ({ type: 'violation'; source: 'git' | 'watch' } & Violation)
    | { type: 'collision'; path: string; sessions: string[]; source: 'git' | 'watch' }
    | { type: 'ready'; sessions: string[]; directories: number; polled: number; ms: number; watcher: WatcherKind }
    | { type: 'watch'; session: string; state: 'watching' | 'gone' }
    | { type: 'error'; message: string; code?: string }
    | { type: 'notice'; message: string }
    | { type: 'role'; role: 'recorder' | 'observer' }
    | ({ type: 'state' } & StateChange)
    | ({ type: 'revert'; session: string; path: string } & RevertOutcome)
    // Announced only: the hook (or the relay) records the `request` event itself.
    | { type: 'ask'; session: string; id: string; owner?: string; path?: string; reason?: string }
    // Announced only: `parx integrate` records its own `integrate` event.
    | { type: 'integration'; session: string; finding: string }
    // Announced only: a message for an agent without hooks, for the human to pass on.
    | { type: 'note'; session: string; text: string }
  );

export type WatcherKind = 'fs' | 'poll' | 'chokidar';

export interface GuardOptions extends ProjectOptions {
  /** Every event, as it happens (the CLI prints it). */
  onEvent(event: GuardEvent): void;
  /** Stops the guard. */
  signal: AbortSignal;
  /** Overrides the run's `guard.watcher` (`chokidar`: chokidar with events, for the bench). */
  watcher?: WatcherKind | undefined;
  /** How often to look for worktrees that appeared or came back (ms). */
  pollMs?: number;
}

export interface GuardResult {
  /** Why the guard stopped by itself (its repository or run is gone); undefined when stopped by `signal`. */
  stoppedBecause: string | undefined;
}
