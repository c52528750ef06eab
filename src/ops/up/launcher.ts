import type { RunState } from '../../core/run-state.js';
import { crashPoint } from '../common/crash-point.js';
import type { Project } from '../common/project.js';
import { getSlotPane, startPrograms, startsAnew, type OpenGrid, type PaneSpec } from './panes.js';
import type { UpProgress } from './types.js';

/** One session `up` made ready, for the launcher to record and start. */
export interface Launch {
  /** Its pane's slot: the session's name. */
  session: string;
  /**
   * Puts the session into the run state (its prompt and agent settings written first), its pane
   * given. Returns what the pane runs; undefined: nothing (its setup failed), and its placeholder
   * is closed at the end.
   */
  record(state: RunState, pane: string | undefined): Promise<LaunchProgram | undefined>;
}

export type LaunchProgram = Omit<PaneSpec, 'session' | 'role'>;

export interface LauncherOptions {
  project: Project;
  /** The run state this `up` writes: every session is recorded in it before its program starts. */
  state: RunState;
  /** The grid, opening while the worktrees fill. */
  grid: Promise<OpenGrid>;
  /**
   * Writes what every program needs before any starts (the agents' hook policy, the commit gate):
   * called once, when the first session is ready, so an `up` that fails before starting anything
   * leaves them as they were.
   */
  prerequisites: () => Promise<unknown>;
  /** The guard's pane: it starts with the first sessions, or at the end if none started. */
  guard: LaunchProgram;
  respawn: boolean;
  emit: (event: UpProgress) => void;
}

/**
 * Starts each session as soon as its own worktree is ready, while the others still fill: the
 * sessions that became ready since the last batch are recorded in state.json (one write), then
 * their programs start (one tmux call), the guard's with the first. The order is the rule the
 * guard relies on: it adopts only a worktree the run state lists, so it never watches one still
 * being filled (its files still to come would look like the session's deletions).
 */
export class Launcher {
  private readonly queue: Launch[] = [];
  private running: Promise<void> = Promise.resolve();
  private guardStarted = false;
  private error: Error | undefined;
  private prepared: Promise<unknown> | undefined;

  constructor(private readonly options: LauncherOptions) {}

  /** Queues a session that is ready; it starts with the next batch. */
  add(launch: Launch): void {
    this.queue.push(launch);
    if (this.queue.length === 1) this.running = this.running.then(() => this.launchQueued()).catch((e: Error) => void (this.error ??= e));
  }

  /**
   * Waits for every queued session, then records the state as it ends (`finalize` changes it
   * first) and starts the guard if no session did. Throws the first failure of any batch.
   */
  async finish(finalize: (state: RunState) => void): Promise<void> {
    await this.running;
    if (this.error) throw this.error;
    const [open] = await Promise.all([this.options.grid, this.prepare()]);
    finalize(this.options.state);
    await this.options.project.files.writeState(this.options.state);
    if (!this.guardStarted) await this.start(open, []);
  }

  /** Waits for the batches under way, ignoring their failures (for an `up` that already failed). */
  async settle(): Promise<void> {
    await this.running;
  }

  private prepare(): Promise<unknown> {
    return (this.prepared ??= this.options.prerequisites());
  }

  private async launchQueued(): Promise<void> {
    const { state, project } = this.options;
    const batch = this.queue.splice(0);
    // After a failure nothing more starts: `up` is failing, and closes the placeholders left.
    if (this.error) return;
    const [open] = await Promise.all([this.options.grid, this.prepare()]);
    const programs = await Promise.all(batch.map((l) => l.record(state, getSlotPane(open, l.session))));
    await project.files.writeState(state);
    await this.start(
      open,
      batch.flatMap((l, i) => (programs[i] ? [{ session: l.session, ...programs[i] }] : [])),
    );
  }

  private async start(open: OpenGrid, sessions: PaneSpec[]): Promise<void> {
    const { respawn, project, emit } = this.options;
    const specs = this.guardStarted ? sessions : [...sessions, { session: 'guard', role: 'guard' as const, ...this.options.guard }];
    this.guardStarted = true;
    crashPoint('up-before-programs');
    // A new agent process starts with no reported state: forget its predecessor's before it can report.
    await Promise.all(specs.filter((s) => !s.role && startsAnew(open, s.session, respawn)).map((s) => project.files.forgetAgentState(s.session)));
    await startPrograms(open, specs, respawn, emit);
  }
}
