import { getSessionBranch } from './session-names.js';

/**
 * The environment of a session's pane, `setup`, `teardown` and `verify` (docs/configuration.md).
 */

/** Set by agents for their own children; an agent that sees them refuses to start ("nested session"). */
export const NESTED_AGENT_MARKERS = ['CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT', 'CLAUDE_CODE_SSE_PORT'];

export interface SessionEnvInput {
  session: string;
  branch: string;
  worktree: string;
  root: string;
  repoName: string;
  port: number;
  env: Record<string, string>;
}

export function getSessionEnv(input: SessionEnvInput): Record<string, string> {
  return {
    PARX_SESSION: input.session,
    PARX_BRANCH: input.branch,
    PARX_WORKTREE: input.worktree,
    PARX_ROOT: input.root,
    PARX_PORT: String(input.port),
    // Compose project names allow only lowercase letters, digits, "-" and "_".
    COMPOSE_PROJECT_NAME: `${input.repoName}-${input.session}`.toLowerCase().replace(/[^a-z0-9_-]/g, '-'),
    ...input.env,
  };
}

/** What a run knows that every session's variables derive from. */
export interface RunEnvFacts {
  root: string;
  repoName: string;
  ports: { base: number; step: number };
}

/** The variables of one session of a run: its branch and port follow from its name and position. */
export function getRunSessionEnv(
  run: RunEnvFacts,
  session: { name: string; index: number; env: Record<string, string> },
  worktree: string,
): Record<string, string> {
  return getSessionEnv({
    session: session.name,
    branch: getSessionBranch(session.name),
    worktree,
    root: run.root,
    repoName: run.repoName,
    port: getSessionPort(run.ports, session.index),
    env: session.env,
  });
}

export function getSessionPort(ports: { base: number; step: number }, index: number): number {
  return ports.base + index * ports.step;
}

/**
 * A process environment for a child: the parent's, minus nested-agent markers (and `unset`: the
 * variables that point at sockets a sandbox hides), plus the session's.
 */
export function mergeEnv(parent: NodeJS.ProcessEnv, session: Record<string, string>, unset: readonly string[] = []): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v !== undefined && !NESTED_AGENT_MARKERS.includes(k) && !unset.includes(k)) merged[k] = v;
  }
  return Object.assign(merged, session);
}

/**
 * Wraps an argv with `env` so the pane gets the session's variables and loses the nested-agent
 * markers (and `unset`) even when the tmux server itself was started from inside an agent.
 */
export function wrapWithEnv(argv: readonly string[], session: Record<string, string>, unset: readonly string[] = []): string[] {
  return ['env', ...[...NESTED_AGENT_MARKERS, ...unset].flatMap((k) => ['-u', k]), ...Object.entries(session).map(([k, v]) => `${k}=${v}`), ...argv];
}
