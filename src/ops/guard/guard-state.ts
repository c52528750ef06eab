import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeWatcher } from '../../adapters/tree-watcher.js';
import { createOwnership, type Ownership } from '../../core/ownership.js';
import type { GuardHealth, RunState } from '../../core/run-state.js';
import { isWithin } from '../../core/sandbox-plan.js';
import type { Project } from '../common/project.js';

/**
 * Everything a running guard knows and changes, in one object: the run state it judges by (and
 * the ownership and panes that follow from it), whether it records, what it watches, and why it
 * stopped. The rest of the guard reads these here and changes them only through these methods,
 * so what follows from what (a grant rebuilds ownership; a session listed once means an empty
 * run is over) is said once.
 */
export class GuardState {
  /** The run as state.json said when last read (also `project.state`, which the checks read). */
  run: RunState | undefined;
  /** Who owns what, grants included: rebuilt when `parx grant` moves a path. */
  ownership: Ownership;
  /** The run's tmux session and each session's pane, here and on hosts (the announcer marks them). */
  readonly tmux: { session: string | undefined; panes: Map<string, string> };
  /** Whether this guard holds the guard lock: it records events and marks panes; otherwise it only prints. */
  recording: boolean;
  /** Each watched session's watcher. */
  readonly watched = new Map<string, TreeWatcher>();
  /**
   * Each session's worktree as it was watched, kept after its watcher stops: events already on
   * their way (`down` removing the worktree) are still judged against the folder they came from.
   */
  readonly worktrees = new Map<string, string>();
  /** `session:dir` of every folder the kernel would not watch, polled instead. */
  readonly polling: string[] = [];
  /** Why the guard stopped by itself; set once. */
  stoppedBecause: string | undefined;
  /** state.json's modification time when last read: a change is a new state (a grant, an `up`). */
  private stamp: number;
  /** A run is known once state.json has listed a session: from then, an empty one means it is over. */
  private sawRun: boolean;

  /**
   * The guard's state as of now: state.json is read again, its time taken first, so that a state
   * written in between (an `up` recording more sessions while the guard starts) is seen as new by
   * the next look rather than taken for the one already read.
   */
  static async load(project: Project, recording: boolean): Promise<GuardState> {
    const { stamp, run } = await readStamped(project);
    project.state = run ?? project.state;
    return new GuardState(project, recording, stamp);
  }

  private constructor(
    private readonly project: Project,
    recording: boolean,
    stamp: number,
  ) {
    this.run = project.state;
    this.stamp = stamp;
    this.ownership = createOwnership(project.config.sessions, project.config.shared, this.run?.grants);
    this.tmux = { session: this.run?.tmuxSession, panes: getPanes(this.run) };
    this.recording = recording;
    this.sawRun = countSessions(this.run) > 0;
  }

  /** Whether state.json was replaced since it was last read. */
  isStale(): boolean {
    return stateMtime(this.project) !== this.stamp;
  }

  /** Re-reads state.json if it was replaced since; says whether it was. */
  async refresh(): Promise<boolean> {
    if (!this.isStale()) return false;
    const { stamp, run } = await readStamped(this.project);
    this.stamp = stamp;
    Object.assign(this.tmux, { session: run?.tmuxSession, panes: getPanes(run) });
    if (JSON.stringify(run?.grants ?? []) !== JSON.stringify(this.run?.grants ?? [])) {
      this.ownership = createOwnership(this.project.config.sessions, this.project.config.shared, run?.grants);
    }
    this.run = this.project.state = run;
    return true;
  }

  /** Whether `path` was granted away from `session` (a write there is reverted whatever the setting). */
  isGrantedAway(session: string, path: string): boolean {
    return (this.run?.grants ?? []).some((g) => g.from === session && isWithin(path, g.path));
  }

  /**
   * Whether a session's worktree may be watched: `up` records a session in the run state only once
   * its worktree is filled and set up (ops/up/launcher.ts), so one it is still filling, whose files
   * still to come would look like the session deleting them, is never taken up.
   */
  isReadyToWatch(session: string): boolean {
    const recorded = this.run?.sessions[session];
    return recorded !== undefined && !recorded.filling && existsSync(join(recorded.worktree, '.git'));
  }

  /** The run is over: it listed sessions once, lists none now, and nothing is watched. */
  isRunOver(): boolean {
    if (countSessions(this.run) > 0) this.sawRun = true;
    return this.sawRun && this.watched.size === 0 && this.run !== undefined && countSessions(this.run) === 0;
  }

  /** The run state is gone with every worktree: nothing is left to guard. */
  isStateGone(): boolean {
    return this.sawRun && this.watched.size === 0 && !existsSync(this.project.files.statePath);
  }

  /** What guard.json says: who guards, what it watches and polls, and which state.json it judges by. */
  health(): GuardHealth {
    return { pid: process.pid, time: new Date().toISOString(), polling: this.polling, stateSeen: this.stamp, watching: [...this.watched.keys()] };
  }
}

/** state.json and its time, the time taken first: a state written in between is stale when next asked. */
async function readStamped(project: Project): Promise<{ stamp: number; run: RunState | undefined }> {
  const stamp = stateMtime(project);
  return { stamp, run: await project.files.readState() };
}

function stateMtime(project: Project): number {
  try {
    return statSync(project.files.statePath).mtimeMs;
  } catch {
    return 0;
  }
}

function getPanes(state: RunState | undefined): Map<string, string> {
  // Hosted sessions' panes too: their borders show what their hosts' guards report (ops/guard/host-relay.ts).
  return new Map(Object.entries({ ...state?.hosted, ...state?.sessions }).flatMap(([s, st]) => (st.pane ? [[s, st.pane] as const] : [])));
}

/** The run's sessions, here and on hosts: the guard goes on while any is left (it relays the hosted ones). */
function countSessions(state: RunState | undefined): number {
  return Object.keys(state?.sessions ?? {}).length + Object.keys(state?.hosted ?? {}).length;
}
