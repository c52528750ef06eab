import { existsSync } from 'node:fs';
import { deleteBranches, listBranchTips, listWorktreeChanges, updateRefs } from '../../adapters/git.js';
import { forgetMissingWorktree, removeWorktree } from '../../adapters/git-worktrees.js';
import { listSandboxedBranches, restorePlainBranch } from '../../adapters/sandbox-branches.js';
import { isAncestor } from '../../adapters/git-merge.js';
import { drainSessionObjects, getInspectionEnv } from '../../adapters/session-objects.js';
import { prepareCommandRunner } from '../common/command-sandbox.js';
import { rescueIgnoredFiles, rescueReflogCommits } from './rescue.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { endRun, PaneCloser, removeSessionRunFiles } from '../common/run-end.js';
import { crashPoint } from '../common/crash-point.js';
import { DISK_CONCURRENCY, limitConcurrency } from '../common/limit-concurrency.js';
import { awaitAll } from '../common/await-all.js';
import type { QueueRun } from './types.js';
import { getLiveSessions, getSessionVariables, type LiveSession } from '../common/sessions.js';

/**
 * Cleanup after the queue, for landed sessions only: close the pane, run `teardown`, remove
 * the worktree (never forced: git refuses one with modified or untracked files), record the
 * branch under a backup ref and delete it with `branch -d` (git refuses an unmerged one).
 * Whatever git refuses is kept and reported; the merge itself stands.
 */

export interface CleanupResult {
  session: string;
  removed: Array<'pane' | 'worktree' | 'branch'>;
  /** Why the worktree or branch was kept. */
  kept?: string;
  backupRef?: string;
  /** Ignored files found nowhere else, copied out before the worktree went. */
  saved?: { dir: string; files: string[] };
  /** Regenerable ignored folders (node_modules, dist…) that went with the worktree. */
  dropped?: string[];
  /** Commits only a reflog reached, kept under these backup refs. */
  rescuedCommits?: string[];
}

export interface Cleanup {
  results: CleanupResult[];
  /** Whether every session is gone now, so the tmux session was closed and the run state removed. */
  finished: boolean;
  /**
   * Panes (or the whole tmux session) to close only after the summary is printed: `parx down`
   * runs inside one of them, and closing it first would kill this process mid-report.
   */
  closeLast: () => Promise<void>;
}

export async function cleanUpSessions(run: QueueRun, sessions: readonly LiveSession[]): Promise<Cleanup> {
  const { project, journal } = run;
  const { state } = journal;
  const rescue = { project, backups: journal.backups };
  const panes = await PaneCloser.open(state.tmuxSession);
  const tips = await listBranchTips(project.root, 'parx/');
  const hold = await findWorkAfterMerge(run, sessions, tips);
  // Sessions are cleaned up side by side (removing worktrees is disk-bound: 4 at once took about
  // half the time of one after another); each one's steps stay in order.
  const clean = limitConcurrency(DISK_CONCURRENCY);
  const results = await awaitAll<CleanupResult[]>(sessions.map((session) => clean(() => cleanUpOne(session))));
  const backups: Array<[string, string]> = [];
  for (const [i, result] of results.entries()) {
    if (result.kept) continue;
    // The tip now, not when the queue started: a `--commit-wip` commit moved it since.
    const tip = tips.get(sessions[i]!.branch);
    if (tip) {
      result.backupRef = journal.backups.next(result.session);
      backups.push([result.backupRef, tip]);
    }
  }
  // All safety refs in one transaction, before any branch is deleted.
  await updateRefs(project.root, backups);
  crashPoint('after-backup-refs');
  const deleting = results.filter((r) => r.backupRef);
  // A sandboxed session's branch is a link to its own folder: a plain branch again first, so
  // the safe delete checks the commit itself and nothing is left behind under parx-sandbox/.
  const sandboxed = deleting.length > 0 ? await listSandboxedBranches(project.root) : new Set<string>();
  for (const result of deleting.filter((r) => sandboxed.has(r.session)))
    await restorePlainBranch(project.root, result.session, state.sessions[result.session]?.worktree);
  const refused = await deleteBranches(
    project.root,
    deleting.map((r) => `parx/${r.session}`),
  );
  for (const result of deleting) {
    const failure = refused.get(`parx/${result.session}`);
    if (failure) result.kept = failure;
    else result.removed.push('branch');
  }
  crashPoint('after-branch-delete');
  for (const result of results) {
    // The `down.merged` record stays: a later run reports the session as merged, not as never started.
    if (!result.kept) {
      journal.endRemoval(result.session);
      await removeSessionRunFiles(project, result.session);
    }
    await journal.record({
      type: 'cleanup',
      session: result.session,
      removed: result.removed,
      ...(result.kept ? { kept: result.kept } : {}),
      ...(result.saved ? { saved: result.saved.dir, files: result.saved.files } : {}),
      ...(result.rescuedCommits ? { rescued: result.rescuedCommits } : {}),
    });
  }

  const remaining = (await getLiveSessions(project, state)).filter((s) => s.hasBranch || s.hasWorktree);
  const finished = remaining.length === 0 && Object.keys(state.hosted ?? {}).length === 0;
  // The run is over: its prompts, hook settings and agent states go. The state keeps only what
  // `down` merged, so that a later `parx down` says "already merged", not "not started".
  if (finished) await endRun(project, state);
  await journal.save();
  if (finished) await panes.closeRun();
  await panes.endStragglers();

  /** One landed session: its pane, teardown, rescues and worktree, in that order. Sets `kept` when something stays. */
  async function cleanUpOne(session: LiveSession): Promise<CleanupResult> {
    const result: CleanupResult = { session: session.name, removed: [] };
    const kept = hold.get(session.name);
    if (kept) {
      result.kept = kept;
      return result;
    }
    if (await panes.closeSession(session.name)) result.removed.push('pane');
    // Whatever its sandbox's own object folder holds (commits its reflogs reach, staged files)
    // joins the shared store, verified, before the rescue below reads it and the folder goes.
    // (An object that does not hash to its name stays out: nothing of the session's names it.)
    await drainSessionObjects(project.root, project.commonDir, session.name);
    // Commits only the worktree's HEAD reflog or the branch's reflog reach: kept before either goes.
    const rescued = await rescueReflogCommits(rescue, session.name, session.hasWorktree ? session.worktree : undefined, session.branch);
    if (rescued.length > 0) result.rescuedCommits = rescued;
    const resuming = journal.isBeingRemoved(session.name);
    if (session.hasWorktree) {
      // A removal a stopped run began already ran teardown.
      const teardownFailure = resuming ? undefined : await runTeardown(run, session.config, session.worktree);
      if (teardownFailure) {
        result.kept = teardownFailure;
        return result;
      }
      const ignored = await rescueIgnoredFiles(rescue, session.name, session.worktree, state.sessions[session.name]?.copied ?? {});
      if (ignored.saved) result.saved = ignored.saved;
      if (ignored.dropped.length > 0) result.dropped = ignored.dropped;
      await journal.beginRemoval(session.name, session.worktree);
      crashPoint('before-worktree-remove');
      // Finishing a removal git had begun: findWorkAfterMerge held the session back unless the
      // worktree differs from its HEAD by deletions alone (the files git had deleted), the only
      // difference from what parx checked before it started, so git may be told to go on.
      const failure = ignored.keep ?? (await removeWorktree(project.root, session.worktree, { force: resuming }));
      if (failure) {
        result.kept = failure;
        return result;
      }
      result.removed.push('worktree');
      crashPoint('after-worktree-remove');
    } else if (resuming && existsSync(session.worktree)) {
      result.kept = `parx was stopped while git removed its worktree: what is left of it is in ${session.worktree}, without its .git link; check it, delete it, then run \`parx down\` again`;
      return result;
    } else {
      // Its folder was deleted by hand but git still has it registered: forget that one only.
      await forgetMissingWorktree(project.root, session.worktree).catch(() => {});
    }
    return result;
  }

  return { results, finished, closeLast: () => panes.closeLast() };
}

/**
 * Sessions whose worktree or branch got new work after they were checked (an agent still
 * running): they keep everything, and the next `parx down` merges that work.
 */
async function findWorkAfterMerge(run: QueueRun, sessions: readonly LiveSession[], tips: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const held = await Promise.all(
    sessions.map(async (s): Promise<string | undefined> => {
      const tip = tips.get(s.branch);
      if (tip && tip !== s.tip && !(await isAncestor(run.project.root, tip, run.baseTip))) {
        return `new commits on ${s.branch} since the merge: run \`parx down\` again to merge them`;
      }
      const changes =
        s.hasWorktree && existsSync(s.worktree)
          ? await listWorktreeChanges(s.worktree, { untracked: true, env: getInspectionEnv(run.project.commonDir, s.name) })
          : [];
      // Files git deleted in a removal a stopped run began are not new work.
      const removing = run.journal.isBeingRemoved(s.name);
      if (changes.length > 0 && !(removing && changes.every((c) => c.change === 'unlink'))) {
        const shown =
          changes
            .slice(0, 3)
            .map((c) => c.path)
            .join(', ') + (changes.length > 3 ? ', …' : '');
        return `its worktree has ${changes.length} uncommitted or untracked file(s) since the merge (${shown}): commit them and run \`parx down\` again`;
      }
      return undefined;
    }),
  );
  return new Map(sessions.flatMap((s, i) => (held[i] ? [[s.name, held[i]] as [string, string]] : [])));
}

/** `teardown` in the worktree, with the session's environment; returns why it failed. */
async function runTeardown(run: QueueRun, session: SessionConfig, worktree: string): Promise<string | undefined> {
  const teardown = run.project.config.teardown;
  if (!teardown) return undefined;
  // The session's own code may run here (its scripts): in the command sandbox, its worktree writable.
  const runner = await prepareCommandRunner(run.project, worktree);
  const outcome = await runner.run(teardown, getSessionVariables(run.project, session, worktree));
  run.emit({ type: 'teardown', session: session.name, ok: outcome.ok, exitCode: outcome.exitCode, output: outcome.output });
  return outcome.ok ? undefined : `teardown failed (exit ${outcome.exitCode ?? 'signal'}); worktree kept: fix it and run \`parx down\` again`;
}
