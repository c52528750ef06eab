import { buildAgentArgv, fitPaneCommand } from './agent-command.js';
import type { SessionConfig } from './config-validate.js';
import { UsageError } from './errors.js';
import type { SessionState } from './run-state.js';
import { getRunSessionEnv, getSessionPort, type RunEnvFacts } from './session-env.js';
import type { WorktreeAction } from './worktree-plan.js';

/**
 * What `parx up` will do for each session, decided before anything is created: the worktree
 * action, whether setup runs, the prompt, the agent's argv, the sandbox. Pure: `up` gathers the
 * facts (worktrees, the template, the sandbox probe), plans with this, and either prints the
 * plan (`--dry-run`) or carries it out. The agent's argv is final here (its hooks' arguments
 * in, fitted to what one tmux command carries), so a prompt no pane can take is refused before
 * any worktree exists; what only acting can tell (the hooks' environment for Gemini CLI, the
 * sandbox's mounts) wraps it when it is carried out.
 */

export interface SessionLaunch {
  session: string;
  action: WorktreeAction;
  /** The setup command to run once the worktree is filled: none, or it already succeeded. */
  setup: string | undefined;
  prompt: { text: string; file: string };
  /** The agent's command as its pane runs it, before the environment and sandbox wraps. */
  argv: string[];
  /** The variables the session's pane, setup, teardown and verify get (PARX_SESSION, PARX_PORT…). */
  env: Record<string, string>;
  port: number;
  sandboxed: boolean;
}

export interface LaunchInput extends RunEnvFacts {
  sessions: readonly SessionConfig[];
  actions: readonly WorktreeAction[];
  prompts: ReadonlyMap<string, string>;
  promptFile: (session: string) => string;
  sandboxed: ReadonlySet<string>;
  /** What the previous `up` recorded of each session. */
  previous: Readonly<Record<string, SessionState>> | undefined;
  /** The arguments a session's agent gets for its hooks (ops/up/agent-hooks.ts). */
  hookArgs: (session: SessionConfig, sandboxed: boolean) => string[];
}

/** Throws a UsageError naming the session when its agent command cannot carry its prompt. */
export function planLaunch(input: LaunchInput): SessionLaunch[] {
  return input.actions.map((action) => {
    const session = input.sessions.find((s) => s.name === action.session)!;
    const prompt = { text: input.prompts.get(session.name)!, file: input.promptFile(session.name) };
    const sandboxed = input.sandboxed.has(session.name);
    let built: string[];
    try {
      built = buildAgentArgv(session.agent, prompt, input.hookArgs(session, sandboxed));
    } catch (error) {
      throw new UsageError(`the agent command of session ${session.name} ${(error as Error).message}`);
    }
    const argv = fitPaneCommand(built, prompt);
    if (!argv)
      throw new UsageError(
        `the agent command of session ${session.name} is too long for tmux (its prompt is ${prompt.text.length} characters, mid-command); use {promptFile} in its agent command line instead of {prompt}`,
      );
    const port = getSessionPort(input.ports, session.index);
    const env = getRunSessionEnv(input, session, action.path);
    return {
      session: session.name,
      action,
      setup: getSetupToRun(action, session.setup, input.previous?.[session.name]),
      prompt,
      argv,
      env,
      port,
      sandboxed,
    };
  });
}

/** A reused worktree runs setup again only if it never succeeded (or parx has no record). */
export function getSetupToRun(action: WorktreeAction, setup: string | undefined, before: SessionState | undefined): string | undefined {
  const done = action.kind === 'reuse' && (before?.setup === 'ok' || before?.setup === 'none');
  return done ? undefined : setup;
}
