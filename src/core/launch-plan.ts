import { buildAgentArgv } from './agent-command.js';
import type { SessionConfig } from './config-validate.js';
import { UsageError } from './errors.js';
import type { SessionState } from './run-state.js';
import { getRunSessionEnv, getSessionPort, type RunEnvFacts } from './session-env.js';
import type { WorktreeAction } from './worktree-plan.js';

/**
 * What `parx up` will do for each session, decided before anything is created: the worktree
 * action, whether setup runs, the prompt, the agent's argv, the sandbox. Pure: `up` gathers the
 * facts (worktrees, the template, the sandbox probe), plans with this, and either prints the
 * plan (`--dry-run`) or carries it out. What only acting can tell (the agent hooks' extra
 * arguments, the sandbox's mounts) is added when it is carried out.
 */

export interface SessionLaunch {
  session: string;
  action: WorktreeAction;
  /** The setup command to run once the worktree is filled: none, or it already succeeded. */
  setup: string | undefined;
  prompt: { text: string; file: string };
  /** The agent's command, before its hooks' arguments and the sandbox wrap. */
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
}

/** Throws a UsageError naming the session when its agent command cannot carry its prompt. */
export function planLaunch(input: LaunchInput): SessionLaunch[] {
  return input.actions.map((action) => {
    const session = input.sessions.find((s) => s.name === action.session)!;
    const prompt = { text: input.prompts.get(session.name)!, file: input.promptFile(session.name) };
    let argv: string[];
    try {
      argv = buildAgentArgv(session.agent, prompt);
    } catch (error) {
      throw new UsageError(`the agent command of session ${session.name} ${(error as Error).message}`);
    }
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
      sandboxed: input.sandboxed.has(session.name),
    };
  });
}

/** A reused worktree runs setup again only if it never succeeded (or parx has no record). */
export function getSetupToRun(action: WorktreeAction, setup: string | undefined, before: SessionState | undefined): string | undefined {
  const done = action.kind === 'reuse' && (before?.setup === 'ok' || before?.setup === 'none');
  return done ? undefined : setup;
}
