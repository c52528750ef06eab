import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { RunFiles } from '../../adapters/run-files.js';
import { listPaneActivity } from '../../adapters/tmux-panes.js';
import type { AgentState, AgentStateRecord } from '../../core/run-state.js';

/**
 * The guard's view of each agent's state (`working | waiting | exited`). Agents with hooks
 * report it themselves (`parx hook working|waiting` writes `agents/<session>/state.json`, watched
 * here); for the others the recording guard infers it from the pane (output that has not
 * changed for `silenceMs` means the agent is waiting for the human, any change means working)
 * and keeps what it infers in parx's own `states/` folder.
 */

export interface StateChange {
  session: string;
  state: AgentState;
  source: AgentStateRecord['source'];
  detail?: string;
}

/** How long a hook-less agent's pane must be quiet before it counts as waiting (PARX_SILENCE_SECONDS). */
export function getSilenceMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.PARX_SILENCE_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 30_000;
}

export class AgentStateTracker {
  private readonly known = new Map<string, AgentState>();
  private readonly lastOutput = new Map<string, { fingerprint: string; size: string; since: number }>();
  private readonly watchers: FSWatcher[] = [];
  private lastSample = -Infinity;

  constructor(
    private readonly files: RunFiles,
    private readonly sessions: readonly string[],
    /** Sessions whose agent has no hooks: their state comes from pane silence. */
    private readonly silent: ReadonlySet<string>,
    private readonly onChange: (change: StateChange) => void,
    private readonly silenceMs: number,
    /** Another file of a session's folder changed (its requests, say). */
    private readonly onFile: (session: string, name: string) => void = () => {},
  ) {}

  /**
   * Follows the agents' reports, and announces the states they had reported before this guard
   * started: an agent that stopped to wait for the human a moment before the guard was ready
   * (its Stop hook ran first) must still be announced.
   */
  async start(): Promise<void> {
    // One folder per session (its sandbox may write only its own). Watch first, then read: a
    // report written in between is seen by one or the other.
    for (const session of this.sessions) {
      const dir = this.files.agentDir(session);
      await mkdir(dir, { recursive: true });
      const watcher = watch(dir, (_, name) => {
        if (name?.toString() === 'state.json') void this.reread(session);
        else if (name) this.onFile(session, name.toString());
      });
      // The folder goes when `down` removes the session; the guard goes on without it.
      watcher.on('error', () => watcher.close());
      this.watchers.push(watcher);
    }
    await Promise.all(this.sessions.map((session) => this.reread(session)));
  }

  close(): void {
    for (const watcher of this.watchers) watcher.close();
  }

  /**
   * One tmux call for every hook-less session's pane: its output fingerprint (history size and
   * cursor) against the last one. Only the recording guard calls this; it writes what it infers
   * to the agent's state file like a hook would, and the watcher above announces it.
   */
  async inferFromPanes(tmuxSession: string | undefined, now = Date.now()): Promise<void> {
    if (!tmuxSession || this.silent.size === 0) return;
    // A tmux process blocks the guard's event loop for a few ms (alert latency): sample ten
    // times per silence period (every 3 s by default), not on every poll.
    if (now - this.lastSample < this.silenceMs / 10) return;
    this.lastSample = now;
    for (const pane of await listPaneActivity(tmuxSession)) {
      if (!pane.session || !this.silent.has(pane.session) || pane.dead) continue;
      const last = this.lastOutput.get(pane.session);
      if (last && last.size !== pane.size) {
        // Resized (another pane closed, a client attached): the text reflowed, nobody printed.
        this.lastOutput.set(pane.session, { ...last, fingerprint: pane.fingerprint, size: pane.size });
      } else if (!last || last.fingerprint !== pane.fingerprint) {
        this.lastOutput.set(pane.session, { fingerprint: pane.fingerprint, size: pane.size, since: now });
        if (last && this.known.get(pane.session) === 'waiting') await this.write(pane.session, 'working');
      } else if (now - last.since >= this.silenceMs && this.known.get(pane.session) !== 'waiting') {
        await this.write(pane.session, 'waiting');
      }
    }
  }

  /** Into parx's own folder (never the session's, where a planted link could redirect the write), then announced. */
  private async write(session: string, state: AgentState): Promise<void> {
    await this.files.writeInferredState(session, { state, time: new Date().toISOString(), source: 'silence' });
    await this.reread(session);
  }

  private async reread(session: string): Promise<void> {
    const record = await this.files.readAgentState(session);
    if (!record || this.known.get(session) === record.state) return;
    this.known.set(session, record.state);
    this.onChange({ session, state: record.state, source: record.source, ...(record.detail ? { detail: record.detail } : {}) });
  }
}
