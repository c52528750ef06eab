import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listBranchTips } from '../../adapters/git.js';
import type { SessionConfig } from '../../core/config-validate.js';
import type { RunState } from '../../core/run-state.js';
import { getSessionBranch } from '../../core/worktree-plan.js';
import { UsageError } from '../../core/errors.js';
import { getRunSessionEnv } from '../../core/session-env.js';
import type { Project } from './project.js';

/** A configured session as it is on disk now. */
export interface LiveSession {
  config: SessionConfig;
  name: string;
  branch: string;
  /** Where its worktree is (from the run state, else where `up` would put it). */
  worktree: string;
  hasWorktree: boolean;
  hasBranch: boolean;
  /** The branch's commit, when it exists. */
  tip: string | undefined;
  /** tmux pane id recorded by `up`. */
  pane: string | undefined;
}

/** The given sessions (default: every configured one), with what exists of each. */
export async function getLiveSessions(
  project: Project,
  state: RunState | undefined,
  sessions: readonly SessionConfig[] = project.config.sessions,
): Promise<LiveSession[]> {
  // One for-each-ref for all sessions, not one rev-parse each.
  const branches = await listBranchTips(project.root, 'parx/');
  return sessions.map((config) => {
    const branch = getSessionBranch(config.name);
    const recorded = state?.sessions[config.name];
    const worktree = recorded?.worktree ?? join(project.worktreeDir, config.name);
    return {
      config,
      name: config.name,
      branch,
      worktree,
      hasWorktree: existsSync(join(worktree, '.git')),
      hasBranch: branches.has(branch),
      tip: branches.get(branch),
      pane: recorded?.pane,
    };
  });
}

/** The configured sessions named on the command line (all when none); exit 2 for unknown names. */
export function selectSessions(all: readonly SessionConfig[], names: readonly string[]): SessionConfig[] {
  if (names.length === 0) return [...all];
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown session${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; configured: ${all.map((s) => s.name).join(', ')}`);
  }
  return all.filter((s) => names.includes(s.name));
}

/** The variables every process of a session gets: its pane, `setup`, `teardown` and `verify` (README "Configuration"). */
export function getSessionVariables(project: Project, session: SessionConfig, worktree: string): Record<string, string> {
  return getRunSessionEnv({ root: project.root, repoName: project.repoName, ports: project.config.ports }, session, worktree);
}
