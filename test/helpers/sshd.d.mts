/** Types of sshd.mjs (a plain module: the benchmarks use it too). */
export interface TestSshd {
  /** Put first on PATH: the `ssh` that knows `parxbox`. */
  binDir: string;
  /** The folder only the host sees (a tmpfs in sshd's mount namespace). */
  hostDir: string;
  port: number;
  /** Runs a command on the host over ssh (for assertions about the host's side); returns stdout. */
  run(command: string): string;
  stop(): Promise<void>;
}

export function getSshdProblem(): string | undefined;
export function startSshd(): Promise<TestSshd>;
