import { getCommit, listWorktreeChanges, updateRefs } from '../../adapters/git.js';
import { commitTree, commitWorktreePaths, fastForward, resetKeep, stashTrackedChanges } from '../../adapters/git-merge.js';
import { mergeResolving, type ResolvedMerge } from '../common/resolve.js';
import { prepareCommandRunner } from '../common/command-sandbox.js';
import type { SessionConfig } from '../../core/config-validate.js';
import type { Outcome, Refusal } from '../../core/merge-queue.js';
import type { QueueRun, Turn } from './types.js';
import type { SessionFacts } from './inspect.js';
import { crashPoint } from '../common/crash-point.js';
import { getSessionVariables } from '../common/sessions.js';

/**
 * Merges one session whose standing checks passed: commits its WIP when asked, predicts the
 * merge onto base as it stands now, and only when that is clean makes the merge commit and
 * moves base to it. Then `verify`. Every step that moves base is recorded in state.json first.
 */
export async function mergeSession(run: QueueRun, session: SessionConfig, facts: SessionFacts): Promise<Turn> {
  const { project, journal, emit } = run;
  const stay = (outcome: Outcome): Turn => ({ outcome, baseTip: run.baseTip });
  let tip = facts.live.tip!;
  let ahead = facts.ahead;
  if (facts.uncommitted.length > 0) {
    // Exactly what was inspected, on the branch parx read (git plumbing: no hook runs, nothing
    // of the worktree's HEAD or index is trusted; adapters/git-merge.ts).
    const wip = await commitWorktreePaths(
      facts.live.worktree,
      { ref: `refs/heads/${facts.live.branch}`, tip },
      facts.uncommitted.map((c) => c.path),
      `parx: wip ${session.name}`,
      await project.files.ensureScratchDir(),
    );
    if ('failure' in wip) return stay({ kind: 'refused', refusals: [{ kind: 'git', message: `committing its uncommitted work failed: ${wip.failure}` }] });
    tip = wip.commit;
    ahead += 1;
    emit({ type: 'wip', session: session.name, files: facts.uncommitted.length, commit: tip });
  }

  const prediction = await mergeResolving(project, run.baseTip, tip, run.baseTip, session, facts.live.worktree);
  if (!prediction.clean) return stay({ kind: 'refused', refusals: [conflictRefusal(prediction)] });
  if (prediction.regenerated.length > 0) emit({ type: 'regenerated', session: session.name, files: prediction.regenerated });
  const before = run.baseTip;
  const commit = await commitTree(project.root, prediction.tree, [before, tip], `parx: merge ${session.name}`);

  await journal.beginMerge(session.name, before, commit);
  crashPoint('before-fast-forward');
  const failure = await fastForward(project.root, commit);
  crashPoint('after-fast-forward');
  if (failure) {
    await journal.dropMerge();
    return stay({ kind: 'refused', refusals: [{ kind: 'git', message: failure }] });
  }
  await journal.record({ type: 'merge', session: session.name, commit, before, branch: facts.live.branch, tip });
  emit({ type: 'merged', session: session.name, commit, commits: ahead });
  return verifyMerge(run, session, facts.live.worktree, { before, commit, commits: ahead });
}

/**
 * Runs `verify` in the main worktree for a merge base now holds (also for one a killed run
 * left unverified). On failure the merge is evicted: its commit kept under a backup ref,
 * anything verify left in tracked files stashed, base reset to `before` with `reset --keep`.
 */
export async function verifyMerge(
  run: QueueRun,
  session: SessionConfig,
  worktree: string,
  merge: { before: string; commit: string; commits: number },
): Promise<Turn> {
  const { project, journal, emit } = run;
  const verify = project.config.verify;
  if (verify) {
    emit({ type: 'verify', session: session.name, status: 'started', command: verify });
    // The merged code runs here: in the command sandbox, the main checkout writable, its git data not.
    run.runner ??= await prepareCommandRunner(project, project.root);
    const outcome = await run.runner.run(verify, getSessionVariables(project, session, worktree), (line) =>
      emit({ type: 'verify-output', session: session.name, line }),
    );
    emit({ type: 'verify', session: session.name, status: outcome.ok ? 'passed' : 'failed', command: verify, exitCode: outcome.exitCode });
    crashPoint('after-verify');
    if (!outcome.ok) {
      const outputTail = outcome.output.trimEnd().split('\n').slice(-15);
      // Evict only a merge that is still base's tip: commits added meanwhile (by the user, by
      // verify itself, by another tool) must never be dropped by moving base backwards.
      // (Other parx runs are kept out by the repository lock for the whole of `down`.)
      const baseNow = await getCommit(project.root, `refs/heads/${project.base}`);
      if (baseNow !== merge.commit) {
        await journal.dropMerge();
        await journal.record({
          type: 'verify-failed',
          session: session.name,
          commit: merge.commit,
          baseNow: baseNow ?? null,
          exitCode: outcome.exitCode ?? null,
        });
        return {
          outcome: { kind: 'verify-failed', commit: merge.commit, baseNow: baseNow ?? '', exitCode: outcome.exitCode, outputTail },
          // (The queue stops here: parx never moves base back past commits it did not make.)
          baseTip: merge.commit,
        };
      }
      const backupRef = journal.backups.next(session.name);
      await updateRefs(project.root, [[backupRef, merge.commit]]);
      const leftovers = (await listWorktreeChanges(project.root, { untracked: false })).map((c) => c.path);
      if (leftovers.length > 0) await stashTrackedChanges(project.root, `parx: changes verify left after merging ${session.name}`);
      await resetKeep(project.root, merge.before);
      await journal.dropMerge();
      await journal.record({
        type: 'evict',
        session: session.name,
        commit: merge.commit,
        restored: merge.before,
        backupRef,
        exitCode: outcome.exitCode ?? null,
        stashed: leftovers,
      });
      return { outcome: { kind: 'evicted', before: merge.before, backupRef, exitCode: outcome.exitCode, outputTail }, baseTip: merge.before };
    }
  }
  await journal.endMerge(session.name, merge.commit);
  return { outcome: { kind: 'merged', commit: merge.commit, commits: merge.commits }, baseTip: merge.commit };
}

/**
 * `--dry-run`: the same prediction as a real merge, onto base as the earlier sessions would
 * leave it (a dangling merge commit stands in for each: objects only, no ref moves).
 */
export async function simulateMerge(run: QueueRun, session: SessionConfig, facts: SessionFacts): Promise<Turn> {
  const { project } = run;
  const tip = facts.live.tip!;
  const wip = facts.uncommitted.length;
  const stay = (outcome: Outcome): Turn => ({ outcome, baseTip: run.baseTip });
  if (facts.ahead === 0) return stay(wip > 0 ? { kind: 'would-merge', commits: 0, wip } : { kind: 'in-base', mergedEarlier: false });
  const prediction = await mergeResolving(project, run.baseTip, tip, run.baseTip, session, facts.live.worktree);
  if (!prediction.clean) return stay({ kind: 'refused', refusals: [conflictRefusal(prediction)] });
  const simulated = await commitTree(project.root, prediction.tree, [run.baseTip, tip], `parx: merge ${session.name} (dry run)`);
  return { outcome: { kind: 'would-merge', commits: facts.ahead, wip }, baseTip: simulated };
}

function conflictRefusal(merge: ResolvedMerge): Refusal {
  return { kind: 'conflict', files: merge.conflicts, ...(merge.failure && { resolveFailure: merge.failure }) };
}
