import { getCurrentBranch, getCommit, listWorktreeChanges, realpath, listWorktrees } from '../../adapters/git.js';

import { getOperationInProgress } from '../../adapters/git-merge.js';
import type { PathChange, Violation } from '../../core/changes.js';
import type { Refusal } from '../../core/merge-queue.js';
import type { RunState } from '../../core/run-state.js';
import { checkSessions } from '../check.js';
import type { Project } from '../common/project.js';
import { getLiveSessions, type LiveSession } from '../common/sessions.js';

/**
 * What `parx down` must know before it touches anything: whether the main worktree can take
 * merges, and the facts of every session in the queue, gathered at once.
 */

/** Why the main worktree cannot take merges now; empty when it can (docs/commands/down.md, docs/guide.md). */
export async function findMainWorktreeProblems(project: Project): Promise<string[]> {
  const { root, base } = project;
  const [branch, tracked, baseTip] = await Promise.all([
    getCurrentBranch(root),
    listWorktreeChanges(root, { untracked: false }),
    getCommit(root, `refs/heads/${base}`),
  ]);
  const problems: string[] = [];
  if (!baseTip) problems.push(`the base branch ${base} does not exist; set \`base\` in ${project.configFile}`);
  else if (branch !== base) {
    problems.push(
      `the main worktree (${root}) has ${branch ? `branch ${branch}` : 'a detached HEAD'} checked out, not ${base}: run \`git switch ${base}\` there, then \`parx down\` again`,
    );
  }
  if (tracked.length > 0) {
    const shown =
      tracked
        .slice(0, 5)
        .map((c) => c.path)
        .join(', ') + (tracked.length > 5 ? `, … (${tracked.length} in all)` : '');
    problems.push(`the main worktree has uncommitted changes to tracked files (${shown}): commit or stash them, then run \`parx down\` again`);
  }
  const operation = getOperationInProgress(root);
  if (operation) problems.push(`the main worktree is in the middle of ${operation}: finish or abort it, then run \`parx down\` again`);
  return problems;
}

export interface SessionFacts {
  live: LiveSession;
  /** The branch checked out in its worktree (undefined: detached, or no worktree). */
  checkedOut: string | undefined;
  operation: string | undefined;
  uncommitted: PathChange[];
  violations: Violation[];
  /** Commits on its branch that base does not have (0: the branch is contained in base). */
  ahead: number;
}

/** The facts of these sessions, all gathered concurrently (no session waits on another). */
export async function inspectSessions(project: Project, state: RunState | undefined, names: readonly string[]): Promise<Map<string, SessionFacts>> {
  const configs = project.config.sessions.filter((s) => names.includes(s.name));
  const live = await getLiveSessions(project, state, configs);
  const [worktrees, checked] = await Promise.all([listWorktrees(project.root), checkSessions(project, live)]);
  return new Map(
    live.map((s, i) => {
      const worktree = s.hasWorktree ? worktrees.find((w) => w.path === realpath(s.worktree)) : undefined;
      const facts: SessionFacts = {
        live: s,
        checkedOut: worktree?.branch,
        operation: s.hasWorktree ? getOperationInProgress(s.worktree) : undefined,
        uncommitted: checked.sessions[i]!.uncommitted,
        violations: checked.sessions[i]!.violations,
        ahead: checked.sessions[i]!.ahead,
      };
      return [s.name, facts];
    }),
  );
}

/**
 * The refusals that do not depend on the queue (everything but a predicted conflict and an
 * unmerged dependency), given the `--commit-wip` and `--allow-violations` choices.
 */
export function getStandingRefusals(facts: SessionFacts, options: { commitWip: boolean; allowViolations: boolean }): Refusal[] {
  const { live } = facts;
  const refusals: Refusal[] = [];
  if (live.objectsProblem) refusals.push({ kind: 'git', message: live.objectsProblem });
  if (live.hasWorktree && !live.hasBranch) refusals.push({ kind: 'no-branch' });
  else if (live.hasWorktree && facts.checkedOut !== live.branch) refusals.push({ kind: 'wrong-branch', checkedOut: facts.checkedOut });
  if (facts.operation) refusals.push({ kind: 'in-progress', operation: facts.operation });
  if (facts.uncommitted.length > 0 && !options.commitWip) refusals.push({ kind: 'dirty', files: facts.uncommitted.map((c) => c.path) });
  if (facts.violations.length > 0 && !options.allowViolations) refusals.push({ kind: 'violations', violations: facts.violations });
  return refusals;
}
