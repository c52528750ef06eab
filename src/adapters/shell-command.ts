import { execa } from 'execa';

export interface CommandOutcome {
  ok: boolean;
  exitCode: number | undefined;
  /** stdout and stderr interleaved as printed, kept apart from every other command's. */
  output: string;
  durationMs: number;
}

/**
 * Runs a program `nice`d by `niceness` (coreutils' nice, so the niceness holds from its first
 * instruction and its children inherit it): background work that must not slow the agents.
 * Never rejects; the caller reads the exit code.
 */
export async function runNiced(
  argv: readonly string[],
  cwd: string,
  niceness = 10,
): Promise<{ exitCode: number | undefined; signal: string | undefined; stderr: string }> {
  const child = await execa('nice', ['-n', String(niceness), ...argv], { cwd, reject: false, stdin: 'ignore' });
  return { exitCode: child.exitCode, signal: child.signal, stderr: child.stderr };
}

/**
 * Runs a command line from the config (`setup`, `teardown`, `verify`, `resolve`). These are shell
 * command lines by design, written by the user in the config like npm scripts; no other text is
 * spliced in: session facts reach them through the environment. `wrapper` runs `sh -c` for us
 * inside a sandbox (ops/common/command-sandbox.ts, or a session's own for its setup).
 */
export async function runCommandLine(
  command: string,
  cwd: string,
  env: Record<string, string>,
  /** Called with each output line as it is printed (`verify` is shown live). */
  onLine?: (line: string) => void,
  /** A program and arguments that run `sh -c command` for us: the session's sandbox. */
  wrapper: readonly string[] = [],
): Promise<CommandOutcome> {
  const started = performance.now();
  const argv = [...wrapper, 'sh', '-c', command];
  const child = execa(argv[0]!, argv.slice(1), { cwd, env, extendEnv: false, all: true, reject: false, stdin: 'ignore' });
  if (onLine) {
    for await (const line of child.iterable({ from: 'all' })) onLine(line);
  }
  const result = await child;
  return {
    ok: !result.failed,
    exitCode: result.exitCode,
    output: result.all ?? '',
    durationMs: performance.now() - started,
  };
}

/**
 * Runs a program (argv, no shell) for at most `timeoutMs`: a reviewer. Its output is kept for the
 * human; it never rejects. `timedOut` says the time ran out (the process group was killed).
 */
export async function runProgram(
  argv: readonly string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
  wrapper: readonly string[] = [],
): Promise<CommandOutcome & { timedOut: boolean }> {
  const started = performance.now();
  const full = [...wrapper, ...argv];
  const result = await execa(full[0]!, full.slice(1), {
    cwd,
    env,
    extendEnv: false,
    all: true,
    reject: false,
    stdin: 'ignore',
    timeout: timeoutMs,
    forceKillAfterDelay: 2000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return {
    ok: !result.failed,
    exitCode: result.exitCode,
    output: result.all ?? '',
    durationMs: performance.now() - started,
    timedOut: result.timedOut,
  };
}
