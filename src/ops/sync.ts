import { getCommit } from '../adapters/git.js';
import { advanceWorktree, commitTree, isAncestor, listTreeChanges } from '../adapters/git-merge.js';
import { mergeResolving } from './common/resolve.js';
import { hasSession } from '../adapters/tmux.js';
import { listPanes } from '../adapters/tmux-panes.js';
import { judgeAgentState } from '../core/agent-state.js';
import { UsageError } from '../core/errors.js';
import type { RunState } from '../core/run-state.js';
import { getStandingRefusals, inspectSessions, type SessionFacts } from './down/inspect.js';
import { loadProject, withRunLock, type Project, type ProjectOptions } from './common/project.js';
import { getLiveSessions, selectSessions } from './common/sessions.js';
import { closeAgainAfterRewrite } from './common/sandbox-grants.js';
import { sendToAgent } from './common/messages.js';
import { createOwnership } from '../core/ownership.js';

/**
 * `parx sync`: once a session has landed, the sessions that merge after it are building on an
 * old base. Sync merges the new base into such a dependent's branch, in its worktree, only when
 * nothing can be lost or disturbed: the worktree is clean, its agent is not working, and the
 * merge is predicted clean (a conflict changes nothing and is reported). The merge is made like
 * `down`'s (the predicted tree, committed with parents branch and base) and the worktree is
 * fast-forwarded to it; the agent is told at its next turn. The guard is told which writes
 * were the sync's (`syncs/<session>.json`), so they are not taken for the agent's.
 */

export type SyncOutcome =
  /** `told`: its agent gets the news at its next turn boundary (it has hooks); else the human passes it on. */
  | { kind: 'synced'; commit: string; landed: string[]; files: number; told: boolean }
  | { kind: 'current' }
  /** `dryRun`: it would be synced now (clean, its agent waiting, the merge predicted clean). */
  | { kind: 'ready' }
  | { kind: 'skipped'; reason: 'no-worktree' | 'dirty' | 'working' | 'conflict' | 'not-ready' | 'git'; detail: string };

export interface SyncResult {
  base: string;
  sessions: Array<{ name: string; outcome: SyncOutcome }>;
}

export interface SyncOptions extends ProjectOptions {
  /** Only these (any session behind base); default: the running dependents of landed sessions. */
  sessions?: string[];
}

export async function runSync(options: SyncOptions = {}): Promise<SyncResult & { configNotice: string | undefined }> {
  const project = await loadProject(options);
  return { ...(await syncLoadedProject(project, options.sessions ?? [])), configNotice: project.configNotice };
}

/**
 * `parx sync` on a loaded project: under the run lock, from the state as it is once the lock is
 * held, not the copy read at load (a `down` that finished in between changed what has landed, and
 * so which sessions are behind).
 */
export async function syncLoadedProject(project: Project, names: readonly string[]): Promise<SyncResult> {
  return withRunLock(project, 'sync', async () => syncSessions(project, (project.state = await project.files.readState()), names));
}

/**
 * The sessions a sync would bring up to date now: those that merge after a session `down` has
 * landed, have a worktree, and whose branch does not hold base yet.
 */
export async function findSyncCandidates(project: Project, state: RunState | undefined): Promise<string[]> {
  const landed = new Set(Object.keys(state?.down?.merged ?? {}));
  const baseTip = await getCommit(project.root, `refs/heads/${project.base}`);
  if (!baseTip || landed.size === 0) return [];
  const dependents = project.config.sessions.filter((s) => !landed.has(s.name) && s.after.some((d) => landed.has(d)));
  // Only where each one is: what a sync checks before it merges (clean, waiting) comes later.
  const live = await getLiveSessions(project, state, dependents);
  const behind = await Promise.all(live.map(async (s) => s.hasWorktree && s.tip !== undefined && !(await isAncestor(project.root, baseTip, s.tip))));
  return live.filter((_, i) => behind[i]).map((s) => s.name);
}

/**
 * Syncs `names` (default: the candidates). The caller holds the run lock. With `dryRun`, says of
 * each what a sync would do now (`ready`, or why it would be skipped) and changes nothing: what
 * `down` offers is only what `parx sync` would do.
 */
export async function syncSessions(
  project: Project,
  state: RunState | undefined,
  names: readonly string[],
  options: { dryRun?: boolean } = {},
): Promise<SyncResult> {
  const chosen = names.length > 0 ? selectSessions(project.config.sessions, names).map((s) => s.name) : await findSyncCandidates(project, state);
  const baseTip = await getCommit(project.root, `refs/heads/${project.base}`);
  if (!baseTip) throw new UsageError(`the base branch ${project.base} does not exist; set \`base\` in ${project.configFile}`);
  const [facts, busy] = await Promise.all([inspectSessions(project, state, chosen), findWorkingAgents(project, state, chosen)]);
  const sessions: SyncResult['sessions'] = [];
  for (const name of chosen) {
    const outcome = await syncOne(project, state, facts.get(name)!, baseTip, busy.has(name), options.dryRun ?? false);
    sessions.push({ name, outcome });
  }
  return { base: project.base, sessions };
}

async function syncOne(
  project: Project,
  state: RunState | undefined,
  facts: SessionFacts,
  baseTip: string,
  working: boolean,
  dryRun: boolean,
): Promise<SyncOutcome> {
  const { live } = facts;
  if (!live.hasWorktree || !live.tip) return { kind: 'skipped', reason: 'no-worktree', detail: 'it has no worktree (or no branch) to sync' };
  if (await isAncestor(project.root, baseTip, live.tip)) return { kind: 'current' };
  const standing = getStandingRefusals(facts, { commitWip: true, allowViolations: true });
  if (standing.length > 0) {
    const first = standing[0]!;
    const detail =
      first.kind === 'wrong-branch'
        ? `its worktree has ${first.checkedOut ?? 'a detached HEAD'} checked out, not ${live.branch}`
        : first.kind === 'in-progress'
          ? `its worktree is in the middle of ${first.operation}`
          : `branch ${live.branch} is missing`;
    return { kind: 'skipped', reason: 'not-ready', detail };
  }
  if (facts.uncommitted.length > 0) {
    return {
      kind: 'skipped',
      reason: 'dirty',
      detail: `${facts.uncommitted.length} uncommitted or untracked file(s) in its worktree; sync when it has committed`,
    };
  }
  if (working) return { kind: 'skipped', reason: 'working', detail: 'its agent is working; sync when it waits' };

  const prediction = await mergeResolving(project, live.tip, baseTip, baseTip, live.config, live.worktree);
  if (!prediction.clean) {
    return {
      kind: 'skipped',
      reason: 'conflict',
      detail: `merging ${project.base} would conflict in ${prediction.conflicts.join(', ')}${prediction.failure ? ` (resolve: ${prediction.failure})` : ''}; nothing was changed: merge ${project.base} into ${live.branch} in its worktree and resolve there`,
    };
  }
  if (dryRun) return { kind: 'ready' };
  const landed = live.config.after.filter((d) => d in (state?.down?.merged ?? {}));
  const commit = await commitTree(
    project.root,
    prediction.tree,
    [live.tip, baseTip],
    `parx: sync ${live.name} with ${project.base}${landed.length > 0 ? ` (now with ${landed.join(', ')})` : ''}`,
  );
  // Told to the guard before any file changes: these writes are parx's, not the agent's.
  const files = await listTreeChanges(project.root, live.tip, commit);
  await project.files.writeSyncRecord(live.name, { commit, files, writer: process.pid });
  const failure = await advanceWorktree(live.worktree, `refs/heads/${live.branch}`, live.tip, commit);
  await project.files.writeSyncRecord(live.name, { commit, files });
  if (failure) return { kind: 'skipped', reason: 'git', detail: failure };
  // git replaced those files: a read-only mount on one of them in the session's running sandbox went with it.
  if (state) {
    const ownership = createOwnership(project.config.sessions, project.config.shared, state.grants);
    const mayWrite = (path: string) => ['owned', 'shared'].includes(ownership.classify(live.name, path).kind);
    const problem = await closeAgainAfterRewrite(state, live.name, Object.keys(files), mayWrite);
    if (problem)
      await project.files.appendEvent({ type: 'error', session: live.name, message: `after the sync, its sandbox could not close again: ${problem}` });
  }
  await project.files.appendEvent({ type: 'sync', session: live.name, commit, base: project.base, landed });
  const news = landed.length > 0 ? `${project.base} now contains ${landed.join(', ')}` : `${project.base} moved on`;
  const route = await sendToAgent(
    project,
    live.name,
    'parx',
    `parx synced your branch: ${news}, merged into ${live.branch} as ${commit.slice(0, 9)} (your worktree is up to date). Continue your task.`,
  );
  return { kind: 'synced', commit, landed, files: Object.keys(files).length, told: route === 'agent' };
}

/**
 * Sessions whose agent is at work now: a live pane whose agent has not said (or been seen) to
 * wait. A session with no pane, or an exited one, has no agent to disturb.
 */
async function findWorkingAgents(project: Project, state: RunState | undefined, names: readonly string[]): Promise<Set<string>> {
  const tmuxSession = state?.tmuxSession;
  const panes = tmuxSession && (await hasSession(tmuxSession)) ? await listPanes(tmuxSession) : [];
  const working = new Set<string>();
  for (const name of names) {
    const pane = panes.find((p) => p.session === name);
    if (pane && judgeAgentState(pane, true, (await project.files.readAgentState(name))?.state) === 'working') working.add(name);
  }
  return working;
}
