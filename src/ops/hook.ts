import { findCommonDir, realpath } from '../adapters/git-dir.js';
import { RunFiles } from '../adapters/run-files.js';
import { getWriteTargets, isRecord } from '../core/hook-payload.js';
import { judgeWrites } from '../core/hook-policy.js';
import type { AgentState } from '../core/run-state.js';

/**
 * `parx hook <event>`: what an agent's hooks call. Kept to what a decision needs (no config
 * loading, no git process: `parx up` wrote the policy), because it runs on every file-writing
 * tool call and the agent waits for it.
 *
 * Exit codes follow the agents' hook contract (the same for Claude Code, Codex and Gemini CLI):
 * 0 allow, 2 deny with the reason on stderr; anything else is a non-blocking error. `pre-commit`
 * is git's hook (guard.commitHook): 1 refuses the commit.
 */

export const HOOK_EVENTS = ['check-write', 'working', 'waiting', 'pre-commit'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export interface HookInput {
  payload: unknown;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface HookOutcome {
  exitCode: 0 | 1 | 2;
  /** For stderr: the reason shown to the agent when denied. */
  message?: string;
}

export async function runHook(event: HookEvent, input: HookInput): Promise<HookOutcome> {
  const payloadCwd = isRecord(input.payload) && typeof input.payload.cwd === 'string' ? input.payload.cwd : undefined;
  const cwd = payloadCwd ?? input.cwd;
  const commonDir = findCommonDir(cwd);
  if (!commonDir) return { exitCode: 0 }; // not in a repository: nothing of parx's to guard
  const files = new RunFiles(commonDir);
  const policy = await files.readPolicy();
  const here = realpath(cwd);
  const session = input.env.PARX_SESSION ?? policy?.sessions.find((s) => here === s.worktree || here.startsWith(`${s.worktree}/`))?.name;
  const worktree = policy?.sessions.find((s) => s.name === session)?.worktree;
  if (!policy || !session || !worktree) return { exitCode: 0 };

  if (event === 'pre-commit') {
    // A git hook, not an agent's: exit 1 refuses the commit. Loaded only here (it runs git).
    if (input.env.PARX_ALLOW_VIOLATIONS === '1') return { exitCode: 0 };
    const { checkStagedChanges } = await import('./commit-gate.js');
    const refusal = await checkStagedChanges(policy, session, worktree);
    return refusal ? { exitCode: 1, message: refusal } : { exitCode: 0 };
  }

  if (event === 'working' || event === 'waiting') {
    await recordState(files, session, event, input.payload);
    return { exitCode: 0 };
  }

  const targets = getWriteTargets(input.payload);
  await recordState(files, session, 'working', input.payload);
  if (!targets || targets.paths.length === 0) return { exitCode: 0 };
  const resolved = { ...targets, cwd: targets.cwd && realpath(targets.cwd), paths: targets.paths.map((p) => (p.startsWith('/') ? realpath(p) : p)) };
  const denied = judgeWrites(policy, session, resolved, () => false);
  // Only a path about to be denied is checked against git's ignore rules (loaded lazily, so
  // the common case pays nothing for them).
  // (An absolute path is outside the session's worktree: ignore rules do not apply there.)
  const ignores = denied.allow || denied.path.startsWith('/') ? undefined : await loadIgnoreRules(commonDir, worktree, denied.path);
  const decision = ignores ? judgeWrites(policy, session, resolved, ignores) : denied;
  if (decision.allow) return { exitCode: 0 };
  await files.appendEvent({ type: 'denied', session, path: decision.path, tool: targets.tool });
  return { exitCode: 2, message: decision.reason };
}

async function loadIgnoreRules(commonDir: string, worktree: string, path: string): Promise<(path: string) => boolean> {
  const { GitIgnoreRules } = await import('../adapters/gitignore.js');
  const rules = new GitIgnoreRules(commonDir);
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i++) rules.loadGitignore(worktree, parts.slice(0, i).join('/'));
  return (p) => rules.isIgnored(p, false);
}

async function recordState(files: RunFiles, session: string, state: AgentState, payload: unknown): Promise<void> {
  const detail = isRecord(payload) && typeof payload.message === 'string' ? payload.message : undefined;
  const previous = await files.readAgentState(session);
  // Every write checks in as "working": rewrite only on a change, or to refresh a minute-old record.
  if (previous?.state === state && previous.source === 'hook' && !detail && Date.now() - Date.parse(previous.time) < 60_000) return;
  await files.writeAgentState(session, { state, time: new Date().toISOString(), source: 'hook', ...(detail ? { detail } : {}) });
}
