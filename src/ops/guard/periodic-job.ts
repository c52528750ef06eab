/**
 * Background work of the recording guard that runs every few seconds and when asked (`look`):
 * never two runs at once (a look while one runs is dropped: the next tick catches up), only while
 * this guard records, never after `close`. A failure is reported and the next tick tries again.
 */
export class PeriodicJob {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly options: { everyMs: number; isRecording: () => boolean; onError: (error: Error) => void },
  ) {
    this.timer = setInterval(() => this.look(), options.everyMs);
  }

  look(): void {
    if (this.stopped || this.running || !this.options.isRecording()) return;
    this.running = this.work()
      .catch((error: Error) => this.options.onError(error))
      .finally(() => (this.running = undefined));
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  close(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}

/** A tick from the environment (tests make it short), else the default. */
export function getTickMs(variable: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env[variable]);
  return fromEnv > 0 ? fromEnv : fallback;
}
