import { execa } from 'execa';
import { getCommit } from '../../adapters/git.js';
import { getDependencyOrder } from '../../core/order.js';
import { getParxArgv } from '../../package-root.js';
import type { Project } from '../common/project.js';
import { runStatus } from '../status.js';

/**
 * `land: auto`: the recording guard lands each session once it is ready (core/landing.ts: its
 * agent finished after its last commit, clean, no violations, reviewed when required, what it
 * merges after landed, no conflict or known break), one at a time, in dependency order, by
 * running `parx down <session>`: the same checks, merge, verify and eviction, cleanup and no-loss
 * rules as a human's, under the same run lock. A failed landing is not tried again on the same
 * tip and base (`recover: agent` tells the agent what failed).
 *
 * What it looks at is `parx status`'s own view (ops/status.ts), read when something may have
 * changed: an agent's state, a tip, every few seconds at most.
 */

export interface LanderOptions {
  isRecording: () => boolean;
  onLanding: (session: string) => void;
  onLanded: (session: string, commit: string) => void;
  onFailed: (session: string, outcome: string) => void;
  onError: (message: string) => void;
  /** How often it looks without being poked (ms). */
  intervalMs?: number;
}

export class Lander {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** session → `tip base` of its last failed landing: not tried again until one of them moves. */
  private readonly failed = new Map<string, string>();

  constructor(
    private readonly project: Project,
    private readonly options: LanderOptions,
  ) {
    this.timer = setInterval(() => this.poke(), options.intervalMs ?? 10_000);
  }

  static isNeeded(project: Project): boolean {
    return project.config.land === 'auto';
  }

  /** Something changed (an agent's state, a tip): look now. */
  poke(): void {
    if (this.stopped || !this.options.isRecording()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.landReady()
      .catch((error: Error) => this.options.onError(`land: auto: ${error.message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /**
   * Lands every session ready now, in one `parx down` (in dependency order, each merged and
   * verified on its own, as a human's `parx down a b c` would), then looks again: a landing may
   * free others.
   */
  private async landReady(): Promise<void> {
    const status = await runStatus({ cwd: this.project.root });
    const baseTip = (await getCommit(this.project.root, `refs/heads/${this.project.base}`)) ?? '';
    const ready = getDependencyOrder(this.project.config.sessions)
      .map((name) => status.sessions.find((s) => s.name === name)!)
      .filter((s) => s.landing?.ready && this.failed.get(s.name) !== `${s.tip} ${baseTip}`);
    if (ready.length === 0 || this.stopped) return;
    const names = ready.map((s) => s.name);
    names.forEach((name) => this.options.onLanding(name));
    const child = await execa(getParxArgv()[0]!, getParxArgv('down', ...names, '--json', '--landing').slice(1), {
      cwd: this.project.root,
      reject: false,
      stdin: 'ignore',
      // Its own process group, and not killed with the guard: landing the last session closes
      // the tmux session, guard pane and all, while `down` still cleans up.
      detached: true,
      cleanup: false,
    });
    const result = parseDownJson(child.stdout);
    for (const s of ready) {
      const outcome = result?.sessions.find((x) => x.name === s.name)?.outcome;
      if (outcome?.kind === 'merged') {
        this.options.onLanded(s.name, outcome.commit!);
        this.again = true;
        continue;
      }
      this.failed.set(s.name, `${s.tip} ${baseTip}`);
      this.options.onFailed(s.name, outcome?.kind ?? `parx down exited ${child.exitCode}: ${child.stderr.trim().split('\n').at(-1) ?? ''}`);
    }
  }

  close(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}

function parseDownJson(text: string): { sessions: Array<{ name: string; outcome: { kind: string; commit?: string } }> } | undefined {
  try {
    return JSON.parse(text) as { sessions: Array<{ name: string; outcome: { kind: string; commit?: string } }> };
  } catch {
    return undefined;
  }
}
