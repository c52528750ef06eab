import { availableParallelism, loadavg } from 'node:os';
import { getCommit } from '../../adapters/git.js';
import { runNiced } from '../../adapters/shell-command.js';
import { getNewFindings, getTipsKey, type IntegrationRecord, type Verdict } from '../../core/integration.js';
import { getParxArgv } from '../../package-root.js';
import type { Project } from '../common/project.js';
import { getLiveSessions } from '../common/sessions.js';

/**
 * The integration radar (`integrate: {every: 10m}`): the recording guard runs `parx integrate`
 * in the background so that a session that breaks the build is known before `down`. A run is
 * due when base or a session's tip moved since the last integration (whoever ran it), and it
 * starts only when the machine is idle enough and no `parx down` or `sync` holds the run lock;
 * at most one at a time (integrate's own lock), niced so that the agents keep the CPU.
 */

export interface RadarFinding {
  session: string;
  verdict: Verdict;
}

export interface RadarOptions {
  everyMs: number;
  /** Called with what the latest integration found that the one before it had not. */
  onFindings: (findings: RadarFinding[], record: IntegrationRecord) => void;
  onError: (message: string) => void;
  /** Only the recording guard runs integrations. */
  isRecording: () => boolean;
  /** The 1-minute load average above which a run waits for the next tick (default: 0.8 × cores). */
  maxLoad?: number;
}

export class IntegrationRadar {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly project: Project,
    private readonly options: RadarOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running || this.stopped || !this.options.isRecording()) return;
      this.running = this.tick()
        .catch((error: Error) => this.options.onError(`integration radar: ${error.message}`))
        .then(() => undefined)
        .finally(() => (this.running = undefined));
    }, this.options.everyMs);
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One look: run `parx integrate` if it is due and the machine can spare it. */
  async tick(): Promise<'ran' | 'unchanged' | 'busy'> {
    const { project } = this;
    const previous = await project.files.readIntegration();
    if (previous && (await this.getTipsKey()) === getTipsKey(previous.baseTip, previous.tips)) return 'unchanged';
    const maxLoad = this.options.maxLoad ?? getMaxLoad(process.env);
    if (loadavg()[0]! > maxLoad || (await project.files.readRunLockHolder())) return 'busy';
    // A child process, niced (its verify inherits the niceness): the guard's own event loop,
    // which is alert latency, never waits on verify.
    const child = await runNiced(getParxArgv('integrate', '--json'), project.root);
    // Exit 1 is a finding, not a failure; anything else (2, a lock held, a crash) is an error.
    if (child.exitCode !== 0 && child.exitCode !== 1) {
      this.options.onError(`integration radar: parx integrate exited ${child.exitCode ?? child.signal}: ${child.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
      return 'ran';
    }
    const record = await project.files.readIntegration();
    if (record && !this.stopped) this.options.onFindings(getNewFindings(previous, record), record);
    return 'ran';
  }

  /** Base's tip and every configured session's tip now: one rev-parse and one for-each-ref. */
  private async getTipsKey(): Promise<string> {
    const { project } = this;
    const [baseTip, live] = await Promise.all([getCommit(project.root, `refs/heads/${project.base}`), getLiveSessions(project, project.state)]);
    return getTipsKey(baseTip ?? '', Object.fromEntries(live.flatMap((s) => (s.tip ? [[s.name, s.tip]] : []))));
  }
}

/** `PARX_RADAR_MAX_LOAD` (a load average), else 0.8 × the cores: "idle enough" for a verify run. */
export function getMaxLoad(env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env.PARX_RADAR_MAX_LOAD);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 0.8 * availableParallelism();
}
