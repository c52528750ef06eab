import { getSessionBranch } from '../../core/session-names.js';
import { getHostedRef } from '../../core/hosts.js';
import { deleteHostedRef, pushBase } from '../../adapters/git-hosts.js';
import { countCommitsAhead, getCommit } from '../../adapters/git.js';
import { disconnect, runHostVerb } from '../../adapters/ssh.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { findUnlandedDependency, type Outcome } from '../../core/merge-queue.js';
import { getDependencyOrder } from '../../core/order.js';
import { PaneCloser } from '../common/run-end.js';
import { crashPoint } from '../common/crash-point.js';
import type { SessionFacts } from '../down/inspect.js';
import { mergeSession, simulateMerge } from '../down/merge.js';
import type { CleanupResult } from '../down/cleanup.js';
import type { QueueRun, Turn } from '../down/types.js';
import { forEachHost } from './connection.js';
import { fetchHostedSessions, type HostFacts } from './fetch.js';

/**
 * `parx down` for hosted sessions (docs/hosts.md), after this machine's queue. Per host, at once:
 * the host's parx inspects its sessions (a dirty worktree, violations, an operation under way:
 * the same refusals as here) and their branches are fetched into refs/parx/hosts/<host>/. Then,
 * one by one in dependency order, each merges here exactly as a local session does (merge
 * commit, verify, eviction). Last, base is pushed to the host and the host's own `parx down`
 * finds them in base and cleans up there by its rules (teardown, ignored files rescued, backup
 * refs, never a forced removal). Killed anywhere, the next `down` sees a branch already in base
 * and finishes the cleanup.
 */

export interface HostedLanding {
  outcomes: Map<string, Outcome>;
  /** Which host each session is on, for the report. */
  hosts: Map<string, string>;
}

export async function landHostedSessions(
  run: QueueRun,
  sessions: readonly SessionConfig[],
  outcomes: ReadonlyMap<string, Outcome>,
  /** The session whose failed verify stopped the queue, if one did. */
  halted: string | undefined,
): Promise<HostedLanding> {
  const { project } = run;
  if (halted) {
    const blocked: Outcome = { kind: 'blocked', by: halted, halted: true };
    return { outcomes: new Map(sessions.map((s) => [s.name, blocked])), hosts: new Map(sessions.map((s) => [s.name, s.host!])) };
  }
  const answers = await fetchHostedSessions(project, sessions);
  const all = new Map(outcomes);
  const landed: HostedLanding = { outcomes: new Map(), hosts: new Map(sessions.map((s) => [s.name, s.host!])) };
  const order = getDependencyOrder(sessions.map((s) => ({ ...s, after: s.after.filter((d) => sessions.some((x) => x.name === d)) })));
  for (const name of order) {
    const session = sessions.find((s) => s.name === name)!;
    // Its unverified merge, left by a stopped run, was verified already (down.ts): only cleanup is left.
    const resumed = outcomes.get(name);
    if (resumed) {
      landed.outcomes.set(name, resumed);
      continue;
    }
    const answer = answers.find((a) => a.sessions.some((s) => s.name === name))!;
    let outcome: Outcome;
    if (answer.ok) {
      const turn = await takeHostedTurn(run, session, answer.value, all);
      outcome = turn.outcome;
      run.baseTip = turn.baseTip;
    } else outcome = { kind: 'refused', refusals: [{ kind: 'host', host: answer.host.name, reason: answer.reason }] };
    all.set(name, outcome);
    landed.outcomes.set(name, outcome);
    if (outcome.kind === 'merged' && !run.options.dryRun) {
      // Remembered before the host cleans up: a run killed after that still knows it landed.
      const there = answer.ok ? answer.value.sessions.find((s) => s.name === name) : undefined;
      if (there?.tip) await run.journal.recordLanded(name, there.tip);
    }
    run.emit({ type: 'outcome', session: name, outcome });
  }
  return landed;
}

async function takeHostedTurn(run: QueueRun, session: SessionConfig, facts: HostFacts, outcomes: ReadonlyMap<string, Outcome>): Promise<Turn> {
  const stay = (outcome: Outcome): Turn => ({ outcome, baseTip: run.baseTip });
  const blocker = findUnlandedDependency(session, outcomes);
  if (blocker) return stay({ kind: 'blocked', by: blocker });
  const there = facts.sessions.find((s) => s.name === session.name)!;
  const mergedEarlier = run.journal.wasMerged(session.name);
  if (!there.hasBranch && !there.hasWorktree) return stay(mergedEarlier ? { kind: 'in-base', mergedEarlier } : { kind: 'absent' });
  // (Gone there but still recorded here: a run stopped after the host cleaned up; the cleanup
  // below finishes this machine's part, its pane and its record.)
  if (there.refusals.length > 0) return stay({ kind: 'refused', refusals: there.refusals });
  // The tip the host inspected, which the fetch brought (or a later one that contains it).
  const tip = there.tip && facts.fetched.has(session.name) ? there.tip : undefined;
  if (!tip || !(await getCommit(run.project.root, tip)))
    return stay({ kind: 'refused', refusals: [{ kind: 'git', message: `its branch could not be fetched from host ${session.host}` }] });
  const ahead = await countCommitsAhead(run.project.root, run.baseTip, tip);
  if (ahead === 0) return stay({ kind: 'in-base', mergedEarlier });
  const local: SessionFacts = {
    // Merged from the fetched commit; anything the session's environment needs here (verify's
    // PARX_WORKTREE) is the main checkout, where verify runs anyway.
    live: {
      config: session,
      name: session.name,
      branch: getSessionBranch(session.name),
      worktree: run.project.root,
      hasWorktree: false,
      hasBranch: true,
      tip,
      pane: undefined,
    },
    checkedOut: undefined,
    operation: undefined,
    uncommitted: [],
    violations: [],
    ahead,
  };
  return run.options.dryRun ? simulateMerge(run, session, local) : mergeSession(run, session, local);
}

/**
 * The landed hosted sessions cleaned up: base sent to each host, the host's `parx down` of them
 * (only for the tips merged here: anything committed there since stays for the next `down`),
 * then their panes here and their fetched refs.
 */
export async function cleanUpHostedSessions(run: QueueRun, landing: HostedLanding): Promise<CleanupResult[]> {
  const { project, journal } = run;
  const { state } = journal;
  const landed = [...landing.outcomes].filter(([name, o]) => (o.kind === 'merged' || o.kind === 'in-base') && state.hosted?.[name]).map(([name]) => name);
  crashPoint('before-host-cleanup');
  if (landed.length === 0) return [];
  const configs = project.config.hosted.filter((s) => landed.includes(s.name));
  const answers = await forEachHost(project, configs, async (host, group) => {
    await pushBase(project.root, host, run.baseTip);
    return runHostVerb<{ sessions: Array<{ name: string; outcome: Outcome; cleanup?: CleanupResult }> }>(
      host,
      'land',
      { dir: host.dir, base: project.base, sessions: group.map((s) => s.name) },
      ['sessions'],
    );
  });
  crashPoint('after-host-cleanup');
  const panes = await PaneCloser.open(state.tmuxSession);
  const results: CleanupResult[] = [];
  for (const answer of answers) {
    for (const session of answer.sessions) {
      const there = answer.ok ? answer.value.sessions.find((s) => s.name === session.name) : undefined;
      const kept = !answer.ok
        ? `host ${answer.host.name}: ${answer.reason}; run \`parx down\` again to clean up there`
        : there?.outcome.kind !== 'in-base' && there?.outcome.kind !== 'absent'
          ? `host ${answer.host.name} kept it (${there?.outcome.kind ?? 'no answer'}): it has work there this run did not merge; run \`parx down\` again`
          : there.cleanup?.kept
            ? `host ${answer.host.name}: ${there.cleanup.kept}`
            : undefined;
      const result: CleanupResult = { session: session.name, removed: there?.cleanup?.removed ?? [], ...(kept && { kept }) };
      if (there?.cleanup?.backupRef) result.backupRef = `${there.cleanup.backupRef} (on host ${answer.host.name})`;
      if (there?.cleanup?.saved) result.saved = there.cleanup.saved;
      if (!kept) {
        const tip = await getCommit(project.root, getHostedRef(answer.host.name, session.name));
        if (tip) journal.rememberLanded(session.name, tip);
        await panes.closeSession(session.name);
        await deleteHostedRef(project.root, answer.host.name, session.name).catch(() => {});
        journal.endHostedSession(session.name);
      }
      results.push(result);
      await journal.record({ type: 'cleanup', session: session.name, removed: result.removed, host: answer.host.name, ...(kept ? { kept } : {}) });
    }
    if (answer.ok && !Object.values(state.hosted ?? {}).some((h) => h.host === answer.host.name)) await disconnect(answer.host);
  }
  await journal.save();
  await panes.endStragglers();
  return results;
}
