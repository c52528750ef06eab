import { existsSync } from 'node:fs';
import { execGit, getCommit, listRefs, updateRefs } from '../adapters/git.js';
import { forgetMissingWorktree, removeWorktree } from '../adapters/git-worktrees.js';
import { getSandboxTipRef } from '../core/session-names.js';
import { snapshotWorktree } from '../adapters/git-merge.js';
import { drainSessionObjects, getInspectionEnv } from '../adapters/session-objects.js';
import { BackupRefNames } from '../core/merge-queue.js';
import type { RunState } from '../core/run-state.js';
import { prepareCommandRunner } from './common/command-sandbox.js';
import { loadProject, withRunLock, type Project, type ProjectOptions } from './common/project.js';
import { endRun, PaneCloser, removeSessionRunFiles } from './common/run-end.js';
import { getLiveSessions, getSessionVariables, selectSessions, type LiveSession } from './common/sessions.js';
import { rescueIgnoredFiles, rescueReflogCommits } from './down/rescue.js';

/**
 * `parx abandon [SESSION...]`: ends sessions without merging them, and loses nothing. Each
 * session's work is kept under one backup ref, `refs/parx/backup/<session>/<n>`: its branch's
 * tip, or, when its worktree holds more (changes, deletions, untracked files), a commit of all of
 * it on top of the tip. Changed ignored files are copied out as `down` does, and commits only a
 * reflog reaches get backup refs of their own. Then its pane, worktree and branch go. `git
 * branch parx/<s> <ref>` brings the work back.
 */

export interface AbandonOptions extends ProjectOptions {
  /** Only these sessions (default: all). */
  sessions?: string[];
}

export interface AbandonedSession {
  name: string;
  /** Where its work is kept; null when it had no branch and no worktree (nothing to keep). */
  backupRef: string | null;
  /** Commits on its branch that base does not have. */
  commits: number;
  /** Uncommitted and untracked files kept in the backup commit. */
  uncommitted: number;
  /** Ignored files found nowhere else, copied out before the worktree went. */
  saved: { dir: string; files: string[] } | null;
  /** Commits only a reflog reached, kept under refs of their own. */
  rescued: string[];
  /** What could not be removed, and why (its work is kept all the same). */
  kept: string | null;
  /** Its teardown failed (output's last lines): the worktree went anyway, everything being kept. */
  teardown: string | null;
}

export interface AbandonResult {
  sessions: AbandonedSession[];
  /** No session is left: the run's tmux session and files are gone. */
  finished: boolean;
  closeLast: () => Promise<void>;
}

export async function runAbandon(options: AbandonOptions = {}): Promise<AbandonResult> {
  const project = await loadProject(options);
  return withRunLock(project, 'abandon', async () => {
    const state: RunState = (await project.files.readState()) ?? {
      version: 1,
      root: project.root,
      base: project.base,
      configFile: project.configFile,
      tmuxSession: '',
      sessions: {},
    };
    const chosen = selectSessions(project.config.sessions, options.sessions ?? []);
    // Named, a session is reported even with nothing left; unnamed, only those with something to end.
    const live = (await getLiveSessions(project, state, chosen)).filter((s) => options.sessions?.length || s.hasBranch || s.hasWorktree);
    const backups = new BackupRefNames(await listRefs(project.root, 'refs/parx/backup/'));
    const panes = await PaneCloser.open(state.tmuxSession);
    const baseTip = await getCommit(project.root, `refs/heads/${project.base}`);
    const sessions: AbandonedSession[] = [];
    // One at a time: each one's backup ref is numbered after the ones before it.
    for (const session of live) {
      const result = await abandonOne(project, state, session, { backups, panes, baseTip });
      sessions.push(result);
      await project.files.appendEvent({ type: 'abandon', session: session.name, backupRef: result.backupRef, uncommitted: result.uncommitted });
      if (!result.kept) {
        delete state.sessions[session.name];
        if (result.backupRef) state.abandoned = { ...state.abandoned, [session.name]: { backupRef: result.backupRef, time: new Date().toISOString() } };
        if (state.down) delete state.down.merged[session.name];
        await removeSessionRunFiles(project, session.name);
      }
      await project.files.writeState(state);
    }
    const remaining = (await getLiveSessions(project, state)).filter((s) => s.hasBranch || s.hasWorktree);
    const finished = remaining.length === 0;
    if (finished) {
      await endRun(project, state);
      await project.files.writeState(state);
      await panes.closeRun();
    }
    await panes.endStragglers();
    return { sessions, finished, closeLast: () => panes.closeLast() };
  });
}

async function abandonOne(
  project: Project,
  state: RunState,
  session: LiveSession,
  run: { backups: BackupRefNames; panes: PaneCloser; baseTip: string | undefined },
): Promise<AbandonedSession> {
  const result: AbandonedSession = { name: session.name, backupRef: null, commits: 0, uncommitted: 0, saved: null, rescued: [], kept: null, teardown: null };
  await run.panes.closeSession(session.name);
  // Everything its sandbox's object folder holds joins the shared store first (verified).
  await drainSessionObjects(project.root, project.commonDir, session.name);
  const tip = session.hasBranch ? await getCommit(project.root, `refs/heads/${session.branch}`) : undefined;
  if (tip && run.baseTip) result.commits = Number((await execGit(project.root, ['rev-list', '--count', `${run.baseTip}..${tip}`])).stdout.trim()) || 0;

  // Its worktree as it is, whole, as a commit on top of its tip (and of its HEAD, if elsewhere).
  let keep = tip;
  if (session.hasWorktree) {
    const head = await getCommit(session.worktree, 'HEAD');
    const parents = [...new Set([tip ?? head, head].filter((c): c is string => c !== undefined))];
    if (parents.length > 0) {
      const snapshot = await snapshotWorktree(
        session.worktree,
        parents,
        `parx: abandon ${session.name}: its worktree as it was`,
        await project.files.ensureScratchDir(),
        {
          excludesFile: state.excludesFile,
          env: getInspectionEnv(project.commonDir, session.name),
        },
      );
      if ('failure' in snapshot) {
        result.kept = `its worktree could not be saved (${snapshot.failure}); nothing was removed`;
        return result;
      }
      if ('commit' in snapshot) {
        keep = snapshot.commit;
        result.uncommitted = Number(
          (await execGit(project.root, ['diff', '--name-only', '-z', parents[0]!, snapshot.commit])).stdout.split('\0').filter(Boolean).length,
        );
      }
    }
  }
  const rescue = { project, backups: run.backups };
  result.rescued = await rescueReflogCommits(rescue, session.name, session.hasWorktree ? session.worktree : undefined, session.branch);
  if (keep) {
    const backupRef = run.backups.next(session.name);
    result.backupRef = backupRef;
    await updateRefs(project.root, [[backupRef, keep]]);
  }

  if (session.hasWorktree) {
    const teardown = project.config.teardown;
    if (teardown) {
      const runner = await prepareCommandRunner(project, session.worktree);
      const outcome = await runner.run(teardown, getSessionVariables(project, session.config, session.worktree));
      if (!outcome.ok) result.teardown = outcome.output.trimEnd().split('\n').slice(-5).join('\n');
    }
    const ignored = await rescueIgnoredFiles(rescue, session.name, session.worktree, state.sessions[session.name]?.copied ?? {});
    if (ignored.saved) result.saved = ignored.saved;
    if (ignored.keep) {
      result.kept = ignored.keep;
      return result;
    }
    // Forced: everything it held is kept above (the snapshot commit, the ignored files saved).
    const failure = await removeWorktree(project.root, session.worktree, { force: true });
    if (failure) {
      result.kept = failure;
      return result;
    }
  } else if (existsSync(session.worktree)) {
    await forgetMissingWorktree(project.root, session.worktree).catch(() => {});
  }
  // Its branch: the link and the branch in its sandbox folder, each only if it still points where it did.
  if (tip) {
    await execGit(project.root, ['update-ref', '--no-deref', '-d', `refs/heads/${session.branch}`]);
    await execGit(project.root, ['update-ref', '-d', getSandboxTipRef(session.name), tip]);
  }
  return result;
}
