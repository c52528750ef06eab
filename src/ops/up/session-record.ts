import { getSessionAgentKind, hasHooks } from '../../core/agent-hooks.js';
import type { SessionConfig } from '../../core/config-validate.js';
import type { SessionLaunch } from '../../core/launch-plan.js';
import type { RunState, SessionState } from '../../core/run-state.js';
import { wrapWithEnv } from '../../core/session-env.js';
import type { Project } from '../common/project.js';
import { getSandboxedArgv } from '../common/sandbox.js';
import { getHiddenSocketVariables } from '../common/sandbox-outside.js';
import { prepareAgentHooks } from './agent-hooks.js';
import { pointAtCommitGate } from './commit-gate.js';
import type { LaunchProgram } from './launcher.js';
import type { UpProgress } from './types.js';
import type { PreparedWorktree } from './worktrees.js';

/** What recording any session needs from its `up`. */
export interface RecordContext {
  project: Project;
  /** The state before this `up`: what a session keeps from its last run (its pane, when it was made). */
  previous: RunState | undefined;
  /** The commit gate's folder (`guard.commitHook`), written by up before any session is recorded; undefined: no gate. */
  commitGate: string | undefined;
  /** This `up`'s time, for sessions it makes. */
  now: string;
  emit: (event: UpProgress) => void;
}

/**
 * Everything a session's agent needs beside its worktree (its prompt file, its agent's settings
 * and hooks, the commit gate), then its entry in the run state: the argv planned before anything
 * was created (core/launch-plan.ts), wrapped in its environment and sandbox. Returns what its
 * pane runs, or undefined when its setup failed (its agent would start on a half-prepared worktree).
 */
export async function recordSession(
  ctx: RecordContext,
  session: SessionConfig,
  launch: SessionLaunch,
  { action, setup, copied, sandbox }: PreparedWorktree,
  state: RunState,
  pane: string | undefined,
): Promise<LaunchProgram | undefined> {
  const { project, emit } = ctx;
  const starts = !setup || setup.ok;
  const [promptFile, hooks] = await Promise.all([
    project.files.writePrompt(session.name, launch.prompt.text),
    prepareAgentHooks(project, session, action.path, sandbox.enabled),
    ctx.commitGate && pointAtCommitGate(action.path, ctx.commitGate),
  ]);
  if (hooks.notes) emit({ type: 'hooks', session: session.name, notes: hooks.notes });
  reportEnforcement(session, emit);
  const before: SessionState | undefined = ctx.previous?.sessions[session.name];
  const command = getSandboxedArgv(
    sandbox,
    wrapWithEnv(launch.argv, { ...launch.env, ...hooks.env }, sandbox.enabled ? getHiddenSocketVariables(project.config.guard.sockets) : []),
  );
  state.sessions[session.name] = {
    branch: action.branch,
    worktree: action.path,
    pane: starts ? pane : before?.pane,
    port: launch.port,
    promptFile,
    command,
    sandbox: sandbox.enabled ? 'on' : 'off',
    ...(hooks.notes && { hookNotes: hooks.notes }),
    ...(sandbox.notes.length > 0 && { sandboxNotes: sandbox.notes }),
    setup: setup ? (setup.ok ? 'ok' : 'failed') : (before?.setup ?? (session.setup ? 'ok' : 'none')),
    ...((copied ?? before?.copied) && { copied: copied ?? before?.copied }),
    createdAt: before?.createdAt ?? ctx.now,
  };
  // Started again by this `up`: no longer abandoned.
  if (state.abandoned?.[session.name]) delete state.abandoned[session.name];
  return starts ? { cwd: action.path, argv: command } : undefined;
}

/** What parx can enforce for this agent, said when it cannot do everything. */
function reportEnforcement(session: SessionConfig, emit: (event: UpProgress) => void): void {
  const kind = getSessionAgentKind(session.agent);
  if (kind === 'agy')
    emit({
      type: 'enforcement',
      session: session.name,
      note: 'Antigravity CLI gets no parx hooks (not dependable across its versions): the OS sandbox and the guard enforce its ownership',
    });
  // A budget pauses an agent through its hooks: one without can only be reported on.
  if (session.budget && !hasHooks(kind))
    emit({
      type: 'budget',
      session: session.name,
      note: 'its agent has no hooks parx could pause it with: reaching its budget is reported (status, notify), not enforced',
    });
}
