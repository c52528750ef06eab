import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getCommit, listBranchTips } from '../../adapters/git.js';
import { drainSessionObjects, getSessionObjectsDir, verifyTip } from '../../adapters/session-objects.js';
import type { SessionConfig } from '../../core/config-validate.js';
import type { RunState } from '../../core/run-state.js';
import { getSessionBranch } from '../../core/session-names.js';
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
  /**
   * The branch's commit, when it exists and its objects are in the shared store, verified. A tip
   * whose objects cannot be verified is left out (undefined), with `objectsProblem` saying why.
   */
  tip: string | undefined;
  /** Why the branch's newest commit could not be verified into the shared store (a forged or damaged object). */
  objectsProblem?: string;
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
  const problems = await verifySessionTips(project, branches);
  return sessions.map((config) => {
    const branch = getSessionBranch(config.name);
    const recorded = state?.sessions[config.name];
    const worktree = recorded?.worktree ?? join(project.worktreeDir, config.name);
    const problem = problems.get(config.name);
    return {
      config,
      name: config.name,
      branch,
      worktree,
      hasWorktree: existsSync(join(worktree, '.git')),
      hasBranch: branches.has(branch),
      tip: problem ? undefined : branches.get(branch),
      pane: recorded?.pane,
      ...(problem && { objectsProblem: problem }),
    };
  });
}

/**
 * Brings each sandboxed session's new objects into the shared store, verified, before anything
 * reads its branch (adapters/session-objects.ts), and checks that its tip is complete there, for
 * every session whose tip moved since the last time. Returns why a session's tip could not be
 * verified. Runs for every session of the run, not only those asked about: it is one small
 * record read when nothing changed.
 */
export async function verifySessionTips(project: Project, branches: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  const sessions = project.config.sessions.filter((s) => existsSync(getSessionObjectsDir(project.commonDir, s.name)));
  if (sessions.length === 0) return problems;
  const verified = await project.files.readVerifiedTips();
  let changed = false;
  let baseTip: Promise<string | undefined> | undefined;
  for (const session of sessions) {
    const tip = branches.get(getSessionBranch(session.name));
    if (!tip || verified[session.name] === tip) continue;
    baseTip ??= getCommit(project.root, `refs/heads/${project.base}`);
    const known = [verified[session.name], await baseTip].filter((c): c is string => c !== undefined && c !== tip);
    const drained = await drainSessionObjects(project.root, project.commonDir, session.name);
    const complete = await verifyTip(project.root, tip, known);
    if (!complete.ok) {
      problems.set(session.name, `its commit ${tip.slice(0, 9)} could not be verified: ${drained.ok ? complete.reason : drained.reason}`);
      continue;
    }
    verified[session.name] = tip;
    changed = true;
  }
  if (changed) await project.files.writeVerifiedTips(verified);
  return problems;
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

/** The variables every process of a session gets: its pane, `setup`, `teardown` and `verify` (docs/configuration.md). */
export function getSessionVariables(project: Project, session: SessionConfig, worktree: string): Record<string, string> {
  return getRunSessionEnv({ root: project.root, repoName: project.repoName, ports: project.config.ports }, session, worktree);
}
