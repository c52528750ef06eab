import { canWriteDirectory, copyIntoWorktree, excludeFromRepo, isOccupied } from '../../adapters/files.js';
import { getCommit, listBranchTips, listWorktrees } from '../../adapters/git.js';
import { forgetMissingWorktree, hasPostCheckoutHook, populateWorktree, registerWorktree, unregisterWorktree } from '../../adapters/git-worktrees.js';
import { linkSessionBranch, listSandboxedBranches, registerSandboxedWorktree } from '../../adapters/sandbox-branches.js';
import { getSandboxTipRef } from '../../core/session-names.js';
import { runCommandLine, type CommandOutcome } from '../../adapters/shell-command.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionConfig } from '../../core/config-validate.js';
import { ToolError, UsageError } from '../../core/errors.js';
import type { SessionLaunch } from '../../core/launch-plan.js';
import { mergeEnv } from '../../core/session-env.js';
import { planWorktrees, type WorktreeAction } from '../../core/worktree-plan.js';
import { DISK_CONCURRENCY, limitConcurrency } from '../common/limit-concurrency.js';
import type { Project } from '../common/project.js';
import type { UpProgress } from './types.js';
import { getSetupWrapper, type SessionSandbox } from '../common/sandbox.js';
import { getHiddenSocketVariables } from '../common/sandbox-outside.js';

/** Decides what to do for each session's worktree; throws (exit 2) before anything is made. */
export async function planSessionWorktrees(project: Project, sessions: readonly SessionConfig[]): Promise<WorktreeAction[]> {
  const dir = project.worktreeDir;
  const [worktrees, tips, kept] = await Promise.all([
    listWorktrees(project.root),
    listBranchTips(project.root, 'parx/'),
    findUnlinkedSessionBranches(project, sessions),
  ]);
  const plan = planWorktrees(
    sessions.map((s) => ({ name: s.name, path: join(dir, s.name) })),
    { mainPath: project.root, worktrees, branches: new Set([...tips.keys(), ...kept.map((s) => `parx/${s}`)]), isOccupied },
  );
  if (!plan.ok) throw new UsageError(plan.problems.join('\n'));
  const creates = plan.actions.some((a) => a.kind !== 'reuse');
  if (creates && !(await canWriteDirectory(dir))) {
    throw new UsageError(`worktreeDir ${dir} is not writable; fix its permissions or set worktreeDir in ${project.configFile}`);
  }
  return plan.actions;
}

/**
 * Sessions whose branch name is gone but whose work is still in their sandbox folder: `git branch
 * -D parx/<s>` deletes only the name (a symbolic ref to `parx-sandbox/<s>/tip`, where the commits
 * are). `up` takes that branch up again under its name rather than fail on git's "a branch named
 * … already exists".
 */
export async function findUnlinkedSessionBranches(project: Project, sessions: readonly SessionConfig[]): Promise<string[]> {
  const [tips, sandboxed] = await Promise.all([listBranchTips(project.root, 'parx/'), listSandboxedBranches(project.root)]);
  return sessions.filter((s) => !tips.has(`parx/${s.name}`) && sandboxed.has(s.name)).map((s) => s.name);
}

export interface PreparedWorktree {
  action: WorktreeAction;
  /** sha256 of each file `copy:` put into a new worktree (undefined for a reused one). */
  copied: Record<string, string> | undefined;
  /** Outcome of `setup` when it ran this time. */
  setup: CommandOutcome | undefined;
  sandbox: SessionSandbox;
}

/** A session whose new worktree could not be filled: it was removed again, with its new branch. */
export interface UnpreparedWorktree {
  action: WorktreeAction;
  failure: string;
}

/**
 * Makes the missing worktrees in two halves: registration (`worktree add --no-checkout`) one at a
 * time, since concurrent registrations on one repository can read each other's half-written admin
 * folders; then filling each worktree's files, which touches only its own index, several at once
 * (DISK_CONCURRENCY) as soon as it is registered. Each session's `copy` and `setup` start as soon
 * as its own worktree is filled. A worktree that cannot be filled is removed (with the branch
 * made for it) and reported for its session; the others go on.
 */
export async function prepareWorktrees(
  project: Project,
  /** What up planned for each session: its worktree action, setup, variables, sandbox or not. */
  launches: readonly SessionLaunch[],
  /** Prepares the session's sandbox once its worktree exists; `setup` runs inside it. */
  sandboxOf: (action: WorktreeAction) => Promise<SessionSandbox>,
  emit: (event: UpProgress) => void,
  /** Told of each session as soon as its worktree is ready (setup run), while the others go on. */
  onPrepared: (prepared: PreparedWorktree) => void = () => {},
): Promise<{ prepared: PreparedWorktree[]; unprepared: UnpreparedWorktree[] }> {
  const dir = project.worktreeDir;
  const creates = launches.some((l) => l.action.kind !== 'reuse');
  let baseCommit = '';
  let hook = false;
  if (creates) {
    const [, , commit, hasHook] = await Promise.all([
      mkdir(dir, { recursive: true }),
      excludeFromRepo(project.root, project.commonDir, dir),
      getCommit(project.root, `refs/heads/${project.base}`),
      hasPostCheckoutHook(project.root),
    ]);
    hook = hasHook;
    // Resolved once: every new session forks from the same commit even if base moves meanwhile.
    if (!commit) throw new UsageError(`base branch ${project.base} does not exist`);
    baseCommit = commit;
  }
  for (const session of await findUnlinkedSessionBranches(project, project.config.sessions)) await linkSessionBranch(project.root, session);
  const fill = limitConcurrency(DISK_CONCURRENCY);
  const outcomes: Array<Promise<PreparedWorktree | UnpreparedWorktree>> = [];
  try {
    for (const launch of launches) {
      const madeBranch = await register(launch);
      outcomes.push(prepare(launch, madeBranch));
    }
  } finally {
    // Even when a registration failed, let the fillings and setups under way finish first.
    await Promise.allSettled(outcomes);
  }
  const settled = await Promise.all(outcomes);
  return {
    prepared: settled.filter((o): o is PreparedWorktree => !('failure' in o)),
    unprepared: settled.filter((o): o is UnpreparedWorktree => 'failure' in o),
  };

  async function prepare(launch: SessionLaunch, madeBranch: { ref: string; commit: string } | undefined): Promise<PreparedWorktree | UnpreparedWorktree> {
    const { action } = launch;
    const failure = action.kind === 'reuse' ? undefined : await fill(() => populate(action, madeBranch));
    if (failure !== undefined) return { action, failure };
    const prepared = await finish(launch);
    onPrepared(prepared);
    return prepared;
  }

  /** Returns the branch it made, to be removed again if filling fails. */
  async function register({ action, sandboxed }: SessionLaunch): Promise<{ ref: string; commit: string } | undefined> {
    // A sandboxed session's new branch is made in its own folder.
    if (action.kind === 'create-branch' && sandboxed) {
      await registerSandboxedWorktree(project.root, action.path, action.session, baseCommit);
      return { ref: getSandboxTipRef(action.session), commit: baseCommit };
    }
    if (action.kind === 'create-branch') {
      await registerWorktree(project.root, action.path, action.branch, baseCommit);
      return { ref: `refs/heads/${action.branch}`, commit: baseCommit };
    }
    if (action.kind === 'add-existing-branch') {
      for (const path of action.forget) await forgetMissingWorktree(project.root, path);
      await registerWorktree(project.root, action.path, action.branch);
    }
    return undefined;
  }

  /** Fills a registered worktree; on failure undoes it and returns why. */
  async function populate(action: WorktreeAction, madeBranch: { ref: string; commit: string } | undefined): Promise<string | undefined> {
    try {
      // A new branch starts at base; an existing one is filled from its own tip.
      const head = madeBranch?.commit ?? (await getCommit(action.path, 'HEAD'));
      if (!head) throw new Error(`${action.branch} has no commit`);
      await populateWorktree(action.path, head, hook);
      return undefined;
    } catch (error) {
      const why = error instanceof ToolError ? error.stderr.trim() || error.message : (error as Error).message;
      const undo = await unregisterWorktree(project.root, action.path, madeBranch).then(
        () => '',
        (e: Error) => `; removing it again failed too: ${e.message}`,
      );
      emit({ type: 'worktree', session: action.session, action: 'failed', path: action.path });
      return `its worktree could not be filled: ${why}${undo}`;
    }
  }

  async function finish({ action, setup, env }: SessionLaunch): Promise<PreparedWorktree> {
    const created = action.kind !== 'reuse';
    emit({ type: 'worktree', session: action.session, action: created ? 'created' : 'reused', path: action.path });
    const copied = created ? {} : undefined;
    if (created) {
      for (const path of project.config.copy) {
        const digests = await copyIntoWorktree(project.root, action.path, path);
        if (digests) Object.assign(copied!, digests);
        else emit({ type: 'copy-missing', session: action.session, path });
      }
    }
    const sandbox = await sandboxOf(action);
    emit({ type: 'sandbox', session: action.session, enabled: sandbox.enabled, notes: sandbox.notes });
    if (!setup) return { action, copied, setup: undefined, sandbox };
    emit({ type: 'setup', session: action.session, status: 'started' });
    const hidden = sandbox.enabled ? getHiddenSocketVariables(project.config.guard.sockets) : [];
    const outcome = await runCommandLine(setup, action.path, mergeEnv(process.env, env, hidden), undefined, getSetupWrapper(sandbox));
    emit({ type: 'setup', session: action.session, status: outcome.ok ? 'ok' : 'failed', outcome });
    return { action, copied, setup: outcome, sandbox };
  }
}
