import { canWriteDirectory, copyIntoWorktree, excludeFromRepo, isOccupied } from '../adapters/files.js';
import { addSandboxedWorktree, addWorktree, forgetMissingWorktree, listBranchTips, listWorktrees } from '../adapters/git.js';
import { runHookCommand, type CommandOutcome } from '../adapters/shell-command.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionConfig } from '../core/config-validate.js';
import { UsageError } from '../core/errors.js';
import { planWorktrees, type WorktreeAction } from '../core/worktree-plan.js';
import type { Project } from './project.js';
import type { UpProgress } from './up-types.js';
import { getSetupWrapper, type SessionSandbox } from './sandbox.js';

/** Decides what to do for each session's worktree; throws (exit 2) before anything is made. */
export async function planSessionWorktrees(project: Project, sessions: readonly SessionConfig[]): Promise<WorktreeAction[]> {
  const dir = project.worktreeDir;
  const [worktrees, tips] = await Promise.all([listWorktrees(project.root), listBranchTips(project.root, 'parx/')]);
  const plan = planWorktrees(
    sessions.map((s) => ({ name: s.name, path: join(dir, s.name) })),
    { mainPath: project.root, worktrees, branches: new Set(tips.keys()), isOccupied },
  );
  if (!plan.ok) throw new UsageError(plan.problems.join('\n'));
  const creates = plan.actions.some((a) => a.kind !== 'reuse');
  if (creates && !(await canWriteDirectory(dir))) {
    throw new UsageError(`worktreeDir ${dir} is not writable; fix its permissions or set worktreeDir in ${project.configFile}`);
  }
  return plan.actions;
}

export interface PreparedWorktree {
  action: WorktreeAction;
  /** sha256 of each file `copy:` put into a new worktree (undefined for a reused one). */
  copied: Record<string, string> | undefined;
  /** Outcome of `setup` when it ran this time. */
  setup: CommandOutcome | undefined;
  sandbox: SessionSandbox;
}

/**
 * Creates missing worktrees one at a time (concurrent `git worktree add` on one repository can
 * fail reading another's half-written admin folder) while each new worktree's `setup` starts at
 * once and runs alongside the next creations.
 */
export async function prepareWorktrees(
  project: Project,
  actions: readonly WorktreeAction[],
  needsSetup: (action: WorktreeAction) => string | undefined,
  envOf: (action: WorktreeAction) => Record<string, string>,
  /** Prepares the session's sandbox once its worktree exists; `setup` runs inside it. */
  sandboxOf: (action: WorktreeAction) => Promise<SessionSandbox>,
  /** Whether the session will run sandboxed (its new branch is made in its own folder). */
  isSandboxed: (action: WorktreeAction) => boolean,
  emit: (event: UpProgress) => void,
): Promise<PreparedWorktree[]> {
  const dir = project.worktreeDir;
  if (actions.some((a) => a.kind !== 'reuse')) {
    await mkdir(dir, { recursive: true });
    await excludeFromRepo(project.root, project.commonDir, dir);
  }
  const prepared: Array<Promise<PreparedWorktree>> = [];
  try {
    await createInTurn();
  } finally {
    // Even when a creation failed, let the setups already running finish before returning.
    await Promise.allSettled(prepared);
  }
  return Promise.all(prepared);

  async function createInTurn(): Promise<void> {
    for (const action of actions) {
      if (action.kind === 'create-branch' && isSandboxed(action)) {
        await addSandboxedWorktree(project.root, action.path, action.session, `refs/heads/${project.base}`);
      } else if (action.kind === 'create-branch') {
        await addWorktree(project.root, action.path, action.branch, `refs/heads/${project.base}`);
      } else if (action.kind === 'add-existing-branch') {
        for (const path of action.forget) await forgetMissingWorktree(project.root, path);
        await addWorktree(project.root, action.path, action.branch);
      }
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
      // The sandbox is prepared, and setup run in it, while the next worktree is being created.
      prepared.push(
        sandboxOf(action).then(async (sandbox) => {
          emit({ type: 'sandbox', session: action.session, enabled: sandbox.enabled, notes: sandbox.notes });
          const setup = needsSetup(action);
          if (!setup) return { action, copied, setup: undefined, sandbox };
          emit({ type: 'setup', session: action.session, status: 'started' });
          const outcome = await runHookCommand(setup, action.path, envOf(action), undefined, getSetupWrapper(sandbox));
          emit({ type: 'setup', session: action.session, status: outcome.ok ? 'ok' : 'failed', outcome });
          return { action, copied, setup: outcome, sandbox };
        }),
      );
    }
  }
}
