/**
 * The closed set of errors parx raises on purpose. The CLI's single error boundary maps
 * each to its exit code (see docs/guide.md, "Exit codes"); anything else is a bug and is reported as one.
 */

/** Exit 2: bad usage, or a prerequisite that is missing (not a repo, old git, no tmux…). */
export class UsageError extends Error {
  readonly exitCode = 2;
  override name = 'UsageError';
}

export interface ConfigProblem {
  /** Key path in the config, e.g. `sessions.auth.owns[1]`; empty for the whole file. */
  keyPath: string;
  /** What was expected, phrased to complete "expected …" or as a full sentence. */
  message: string;
}

/** Exit 2: the configuration file is missing, unreadable or invalid. Nothing was created. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => `${file}: ${p.keyPath ? `${p.keyPath}: ` : ''}${p.message}`).join('\n'));
  }
}

/** Exit 1: the command ran and found or refused something (overlap, dirty work, failed setup…). */
export class RefusedError extends Error {
  readonly exitCode = 1;
  override name = 'RefusedError';
  constructor(
    message: string,
    /** Optional detail lines shown under the message (e.g. a setup's output). */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

/** An outside tool (git, tmux, an agent) failed in a way parx did not expect. Exit 1. */
export class ToolError extends Error {
  readonly exitCode = 1;
  override name = 'ToolError';
  constructor(
    readonly command: string[],
    readonly toolExitCode: number | undefined,
    readonly stderr: string,
  ) {
    const shown = command.join(' ');
    const reason = stderr.trim().split('\n').slice(-3).join(' | ') || `exit code ${toolExitCode}`;
    super(`\`${shown}\` failed: ${reason}`);
  }
}

export type KnownError = UsageError | ConfigError | RefusedError | ToolError;

export function isKnownError(error: unknown): error is KnownError {
  return error instanceof UsageError || error instanceof ConfigError || error instanceof RefusedError || error instanceof ToolError;
}
