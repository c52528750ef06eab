import { getSessionBranch } from '../core/session-names.js';
import { inspectBranches, listWorktreeChanges, type BranchWork } from '../adapters/git.js';
import { getInspectionEnv } from '../adapters/session-objects.js';
import { findCollisions, judgeChange, mergeChanges, type Collision, type PathChange, type Violation } from '../core/changes.js';
import { createOwnership, type Ownership } from '../core/ownership.js';
import { loadProject, type Project, type ProjectOptions } from './common/project.js';
import { getLiveSessions, selectSessions, type LiveSession } from './common/sessions.js';
import { checkHostedSessions } from './hosts/check.js';

export interface SessionChanges {
  name: string;
  branch: string;
  worktree: string;
  /** Committed since the fork from base, plus uncommitted and untracked in the worktree. */
  changed: PathChange[];
  /** Of those, the ones not committed yet (modified, staged, untracked). */
  uncommitted: PathChange[];
  violations: Violation[];
  /** Commits on its branch that base does not have (0: no branch, or contained in base). */
  ahead: number;
  /** The `hosts:` entry it runs on (its worktree path is that host's). */
  host?: string;
  /** The merge commit `parx down` landed it with, when it has nothing base does not have since. */
  landed?: string;
  /**
   * What keeps its changes from being known in full: its newest commit could not be verified (a
   * forged or damaged object), or its worktree could not be inspected.
   */
  problem?: string;
}

export interface CheckResult {
  project: Project;
  sessions: SessionChanges[];
  collisions: Collision[];
}

export interface CheckOptions extends ProjectOptions {
  sessions?: string[];
}

/** `parx check`: violations from git's truth, no watcher. */
export async function runCheck(options: CheckOptions = {}): Promise<CheckResult> {
  const project = await loadProject(options);
  const selected = selectSessions([...project.config.sessions, ...project.config.hosted], options.sessions ?? []);
  const live = await getLiveSessions(
    project,
    project.state,
    selected.filter((s) => !s.host),
  );
  const [here, hosted] = await Promise.all([
    checkSessions(project, live),
    checkHostedSessions<SessionChanges>(
      project,
      selected.filter((s) => s.host),
      (session, problem) => ({
        name: session.name,
        branch: getSessionBranch(session.name),
        worktree: '',
        changed: [],
        uncommitted: [],
        violations: [],
        ahead: 0,
        problem,
      }),
    ),
  ]);
  // (Collisions are this machine's: each host reports its own sessions' changes.)
  return { project, sessions: [...here.sessions, ...hosted], collisions: here.collisions };
}

/** The changes, violations and collisions of sessions (shared with `guard` and `status`). */
export async function checkSessions(project: Project, live: readonly LiveSession[]): Promise<Omit<CheckResult, 'project'>> {
  const ownership = createOwnership(project.config.sessions, project.config.shared, project.state?.grants);
  // Every branch's commits and files in two git processes, each worktree's state in one.
  const branched = live.filter((s) => s.hasBranch && s.tip);
  const work = await inspectBranches(
    project.root,
    `refs/heads/${project.base}`,
    branched.map((s) => s.tip!),
  );
  const workOf = new Map(branched.map((s, i) => [s.name, work[i]!]));
  const sessions = await Promise.all(live.map((s) => getSessionChanges(project, ownership, s, workOf.get(s.name))));
  const collisions = findCollisions(
    new Map(sessions.map((s) => [s.name, s.changed.map((c) => c.path)])),
    project.config.sessions.map((s) => s.name),
  );
  return { sessions, collisions };
}

async function getSessionChanges(project: Project, ownership: Ownership, session: LiveSession, work: BranchWork | undefined): Promise<SessionChanges> {
  // A worktree git cannot read (a FIFO where it reads an ignore file, past parx's deadline) is
  // reported for that session alone; the others are judged as usual.
  let inspectionProblem: string | undefined;
  const uncommitted = session.hasWorktree
    ? await listWorktreeChanges(session.worktree, {
        untracked: true,
        excludesFile: project.state?.excludesFile,
        env: getInspectionEnv(project.commonDir, session.name),
      }).catch((error: Error) => {
        inspectionProblem = `its worktree could not be inspected: ${error.message}`;
        return [];
      })
    : [];
  const changed = mergeChanges(work?.changes ?? [], uncommitted);
  const merged = project.state?.down?.merged[session.name];
  const landed = merged && (work?.ahead ?? 0) === 0 && uncommitted.length === 0 ? merged : undefined;
  const violations = changed.flatMap((c) => judgeChange(ownership, session.name, c) ?? []);
  return {
    name: session.name,
    branch: session.branch,
    worktree: session.worktree,
    changed,
    uncommitted,
    violations,
    ahead: work?.ahead ?? 0,
    ...(landed && { landed }),
    ...((session.objectsProblem ?? inspectionProblem) && { problem: (session.objectsProblem ?? inspectionProblem)! }),
  };
}
