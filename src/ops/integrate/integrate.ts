import { copyIntoWorktree } from '../../adapters/files.js';
import { getCommit, listCommittedChanges } from '../../adapters/git.js';
import { commitTree, predictMerge, predictMerges } from '../../adapters/git-merge.js';
import { checkOutScratch, ensureScratchWorktree } from '../../adapters/scratch-worktree.js';
import type { CommandOutcome } from '../../adapters/shell-command.js';
import { prepareCommandRunner, type CommandRunner } from '../common/command-sandbox.js';
import { findFirstFailing } from '../../core/bisect.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { RefusedError, UsageError } from '../../core/errors.js';
import { findFilesNamed, findWaitingFor, getFailureExcerpt, type BreakingSession, type IntegrationRecord, type Verdict } from '../../core/integration.js';
import { getMergeQueue } from '../../core/merge-queue.js';
import { getDependencyOrder, getWithDependencies } from '../../core/order.js';
import { checkSessions } from '../check.js';
import { loadProject, type Project, type ProjectOptions } from '../common/project.js';
import { mergeResolving } from '../common/resolve.js';
import { recoverFromIntegration } from '../recover.js';
import { getLiveSessions, getSessionVariables, selectSessions, type LiveSession } from '../common/sessions.js';
import { readHostedTips } from '../hosts/tips.js';

/**
 * `parx integrate`: speculative integration, as a merge queue does it before anything lands.
 * Every session's committed tip is merged onto base in the order `parx down` would take them,
 * with down's own merge (the tree `merge-tree` computes, committed with parents base and
 * branch), as dangling commits: no ref moves. `verify` then runs on the result in a scratch
 * worktree; when it fails, bisection over the queue finds the first session whose addition
 * makes it fail, and a second, shorter one says which earlier session it breaks with.
 */

export interface IntegrateOptions extends ProjectOptions {
  /** Only these sessions (and what they merge after). */
  sessions?: string[];
  /** Leave the scratch worktree at the breaking merge (or the whole run) for inspection. */
  keep?: boolean;
  /** Also find which earlier session the breaking one fails with (a few more verify runs). */
  pinpoint?: boolean;
  onProgress?: (event: IntegrateProgress) => void;
}

export type IntegrateProgress =
  | { type: 'queue'; order: string[]; base: string; added: string[] }
  | { type: 'uncommitted'; session: string; files: number }
  | { type: 'conflict'; session: string; with: string; files: string[] }
  | { type: 'setup'; status: 'started' | 'ok' | 'failed' }
  | { type: 'verify'; label: string; status: 'started' | 'passed' | 'failed'; ms?: number };

export interface IntegrateResult {
  record: IntegrationRecord;
  /** Where the scratch worktree was left (`--keep`), and at what. */
  kept: { path: string; commit: string; label: string } | undefined;
  configNotice: string | undefined;
}

/** One step of the speculative queue: base plus the sessions up to this one. */
interface Step {
  session: string;
  tip: string;
  commit: string;
}

export async function runIntegrate(options: IntegrateOptions = {}): Promise<IntegrateResult> {
  const project = await loadProject(options);
  const lock = await project.files.acquireIntegrateLock();
  if ('holder' in lock)
    throw new RefusedError(`another parx integrate is running on this repository (pid ${lock.holder.pid}); wait for it to finish, then run this again`);
  try {
    return await integrate(project, options);
  } finally {
    await lock.release();
  }
}

async function integrate(project: Project, options: IntegrateOptions): Promise<IntegrateResult> {
  const started = performance.now();
  const emit = options.onProgress ?? (() => {});
  const { root } = project;
  const all = project.config.sessions;
  const chosen = selectSessions([...all, ...project.config.hosted], options.sessions ?? []);
  // Hosted sessions are integrated after this machine's, as `down` lands them (ops/hosts/).
  const hosted = chosen.filter((s) => s.host);
  const asked = chosen.filter((s) => !s.host).map((s) => s.name);
  // A session is verified on top of what it merges after, as `down` would merge it.
  const names = getWithDependencies(all, [...asked, ...hosted.flatMap((s) => s.after.filter((d) => all.some((x) => x.name === d)))]);
  const order = [
    ...(names.length > 0 ? getMergeQueue(all, names).order : []),
    ...getDependencyOrder(hosted.map((s) => ({ ...s, after: s.after.filter((d) => hosted.some((h) => h.name === d)) }))),
  ];
  const baseTip = await getCommit(root, `refs/heads/${project.base}`);
  if (!baseTip) throw new UsageError(`the base branch ${project.base} does not exist; set \`base\` in ${project.configFile}`);
  emit({ type: 'queue', order, base: project.base, added: names.filter((n) => !asked.includes(n)) });

  const live = new Map(
    (
      await getLiveSessions(
        project,
        project.state,
        all.filter((s) => names.includes(s.name)),
      )
    ).map((s) => [s.name, s]),
  );
  // What each session has committed and not, and what `down` would refuse it for (violations).
  const checked = await checkSessions(project, [...live.values()]);
  const facts = new Map(checked.sessions.map((c) => [c.name, { ahead: c.ahead, uncommitted: c.uncommitted.map((u) => u.path), violations: c.violations }]));
  // The hosted sessions' tips, fetched first; one whose host cannot be reached is left untested.
  const unreachable = new Map<string, string>();
  for (const h of await readHostedTips(project, hosted, baseTip)) {
    if (h.unreachable) unreachable.set(h.live.name, h.unreachable);
    live.set(h.live.name, h.live);
    facts.set(h.live.name, h.facts);
  }
  const uncommitted: Record<string, number> = {};
  for (const [name, f] of facts) {
    if (f.uncommitted.length === 0) continue;
    uncommitted[name] = f.uncommitted.length;
    emit({ type: 'uncommitted', session: name, files: f.uncommitted.length });
  }

  const { steps, verdicts } = await mergeSpeculatively(project, baseTip, order, live, facts, emit);
  for (const [name, reason] of unreachable) verdicts[name] = { kind: 'untested', because: reason };
  // (The merged sessions get their verdicts once verify has spoken.)
  const conflicts = order.flatMap((name) => {
    const v = verdicts[name];
    return v?.kind === 'conflicts' ? [{ session: name, with: v.with, files: v.files }] : [];
  });

  const verify = project.config.verify;
  let found: Awaited<ReturnType<typeof findBreak>> | undefined;
  let verifier: Verifier | undefined;
  if (verify && steps.length > 0) {
    verifier = await Verifier.open(project, verify, baseTip, emit);
    found = await findBreak(verifier, steps, baseTip, live, root, options.pinpoint ?? false);
    // What the failure names that another session has not committed: most likely what is missing.
    if (found.breaking) {
      const b = found.breaking;
      const waitingFor = findWaitingFor(b.outputTail.join('\n'), b.session, new Map([...facts].map(([n, f]) => [n, f.uncommitted])), order);
      if (waitingFor.length > 0) b.waitingFor = waitingFor;
    }
  }
  const breaking = found?.breaking ?? null;
  for (const [i, step] of steps.entries()) {
    if (found?.baseFails) verdicts[step.session] = { kind: 'untested', because: 'verify fails on base itself' };
    else if (!breaking || i + 1 < breaking.step) verdicts[step.session] = { kind: 'integrates' };
    else if (i + 1 === breaking.step)
      verdicts[step.session] = {
        kind: 'breaks',
        step: breaking.step,
        after: breaking.after,
        alone: breaking.alone,
        ...(breaking.waitingFor && { waitingFor: breaking.waitingFor }),
      };
    else verdicts[step.session] = { kind: 'untested', because: `it comes after ${breaking.session}, which breaks verify` };
  }

  const record: IntegrationRecord = {
    time: new Date().toISOString(),
    base: project.base,
    baseTip,
    tips: Object.fromEntries([...live].flatMap(([name, s]) => (s.tip ? [[name, s.tip]] : []))),
    uncommitted,
    order,
    verify: verify ?? null,
    ok: conflicts.length === 0 && !breaking && !found?.baseFails,
    sessions: Object.fromEntries(order.map((n) => [n, verdicts[n]!])),
    breaking,
    conflicts,
    baseFails: found?.baseFails ?? null,
    violations: Object.fromEntries(
      [...facts]
        .filter(([, f]) => f.violations.length > 0)
        .map(([n, f]) => [n, f.violations.map(({ path, kind, owner }) => ({ path, kind, ...(owner && { owner }) }))]),
    ),
    verifyRuns: { find: found?.runs.find ?? 0, attribute: found?.runs.attribute ?? 0 },
    durationMs: Math.round(performance.now() - started),
  };
  await project.files.writeIntegration(record);
  await project.files.appendEvent({
    type: 'integrate',
    ok: record.ok,
    breaking: breaking ? { session: breaking.session, after: breaking.after } : null,
    conflicts: conflicts.map((c) => ({ session: c.session, with: c.with })),
    baseFails: record.baseFails !== null,
    verifyRuns: record.verifyRuns,
    ms: record.durationMs,
  });
  await recoverFromIntegration(project, record);

  // Without --keep the scratch worktree is left as the last verify left it: every verify
  // starts by checking out exactly its own tree, so nothing of this run reaches the next.
  let kept: IntegrateResult['kept'];
  if (verifier && options.keep) {
    const at = breaking ? steps[breaking.step - 1]! : steps.at(-1)!;
    const commit = found?.baseFails ? baseTip : at.commit;
    await verifier.checkOut(commit);
    kept = {
      path: verifier.path,
      commit,
      label: found?.baseFails
        ? project.base
        : `${project.base} + ${steps
            .slice(0, steps.indexOf(at) + 1)
            .map((s) => s.session)
            .join(' + ')}`,
    };
  }
  return { record, kept, configNotice: project.configNotice };
}

/**
 * The queue merged onto base as `down` would merge it, as dangling commits (objects only: no
 * ref and no working tree changes). Returns the merges made (step k = base plus the first k)
 * and a verdict for each session left out: nothing to merge, a conflict, or a dependency that
 * was left out.
 */
async function mergeSpeculatively(
  project: Project,
  baseTip: string,
  order: readonly string[],
  live: ReadonlyMap<string, LiveSession>,
  facts: ReadonlyMap<string, { ahead: number }>,
  emit: (event: IntegrateProgress) => void,
): Promise<{ steps: Step[]; verdicts: Record<string, Verdict> }> {
  const { root } = project;
  const verdicts: Record<string, Verdict> = {};
  const steps: Step[] = [];
  let head = baseTip;
  for (const name of order) {
    const session = live.get(name)!;
    const blocker = session.config.after.find((d) => ['conflicts', 'untested'].includes(verdicts[d]?.kind ?? ''));
    if (blocker) {
      verdicts[name] = {
        kind: 'untested',
        because: `it merges after ${blocker}, which ${verdicts[blocker]!.kind === 'conflicts' ? 'conflicts' : 'was not integrated'}`,
      };
      continue;
    }
    if (!session.tip || facts.get(name)!.ahead === 0) {
      verdicts[name] = { kind: 'nothing' };
      continue;
    }
    // With `resolve:` rules, conflicts only in files they regenerate are resolved as `down` will.
    const prediction = await mergeResolving(project, head, session.tip, head, session.config, session.worktree);
    if (!prediction.clean) {
      const partner = await findConflictPartner(root, baseTip, session.tip, steps, prediction.conflicts);
      verdicts[name] = { kind: 'conflicts', with: partner, files: prediction.conflicts };
      emit({ type: 'conflict', session: name, with: partner, files: prediction.conflicts });
      continue;
    }
    head = await commitTree(root, prediction.tree, [head, session.tip], `parx: merge ${name}`);
    steps.push({ session: name, tip: session.tip, commit: head });
  }
  return { steps, verdicts };
}

/**
 * Who a session conflicts with: base itself when its branch does not merge onto base alone,
 * else the first session before it in the queue whose branch conflicts with its own in the
 * same files (one merge-tree process for every pair).
 */
async function findConflictPartner(root: string, baseTip: string, tip: string, before: readonly Step[], files: readonly string[]): Promise<string> {
  const predictions = await predictMerges(root, [[baseTip, tip], ...before.map((s) => [s.tip, tip] as const)]);
  if (!predictions[0]!.clean) return 'base';
  const pairs = before.map((s, i) => ({ session: s.session, conflicts: predictions[i + 1]!.conflicts, clean: predictions[i + 1]!.clean }));
  const partner = pairs.find((p) => !p.clean && p.conflicts.some((f) => files.includes(f))) ?? pairs.find((p) => !p.clean);
  return partner?.session ?? `the sessions merged before it (${before.map((s) => s.session).join(', ')})`;
}

/**
 * Finds the first step whose verify fails in ⌈log2 n⌉ + 1 runs (the whole queue, then a
 * bisection; base too when the first session is blamed), and what it breaks with.
 */
async function findBreak(verifier: Verifier, steps: readonly Step[], baseTip: string, live: ReadonlyMap<string, LiveSession>, root: string, pinpoint: boolean) {
  const runs = { find: 0, attribute: 0 };
  const atStep = (k: number) => (k === 0 ? baseTip : steps[k - 1]!.commit);
  const labelOf = (k: number) =>
    k === 0
      ? 'base'
      : `base + ${steps
          .slice(0, k)
          .map((s) => s.session)
          .join(' + ')}`;
  const verifyStep = async (k: number, purpose: keyof typeof runs) => {
    runs[purpose] += 1;
    return verifier.run(atStep(k), labelOf(k), live.get(steps[Math.max(0, k - 1)]!.session)!.config);
  };
  const n = steps.length;
  const whole = await verifyStep(n, 'find');
  if (whole.ok) return { breaking: null, baseFails: null, runs };
  const failures = new Map<number, CommandOutcome>([[n, whole]]);
  const k = await findFirstFailing(0, n, async (m) => {
    const outcome = await verifyStep(m, 'find');
    if (!outcome.ok) failures.set(m, outcome);
    return !outcome.ok;
  });
  if (k === 1) {
    // Bisection assumed base passes; when the first session is blamed, make sure it does.
    const base = await verifyStep(0, 'find');
    if (!base.ok) return { breaking: null, baseFails: { exitCode: base.exitCode ?? null, outputTail: getFailureExcerpt(base.output) }, runs };
  }
  const culprit = steps[k - 1]!;
  const failure = failures.get(k)!;
  const changedBy = async (step: Step) => (await listCommittedChanges(root, baseTip, step.tip)).map((c) => c.path);
  const changed = await changedBy(culprit);

  // What it breaks with. The first session breaks on base alone (base was verified above).
  let after: string[] = [];
  let alone: boolean | null = k === 1 ? true : null;
  if (k > 1 && pinpoint) {
    // Base plus it alone, then a bisection over the sessions before it for the first whose
    // presence makes it fail: 1 + ⌈log2(k − 1)⌉ more runs.
    const session = live.get(culprit.session)!.config;
    const onto = async (j: number, label: string) => {
      const prediction = await predictMerge(root, atStep(j), culprit.tip);
      if (!prediction.clean) return false; // cannot be built without the sessions it needs: count as failing
      const commit = await commitTree(root, prediction.tree, [atStep(j), culprit.tip], `parx: merge ${culprit.session}`);
      runs.attribute += 1;
      return (await verifier.run(commit, label, session)).ok;
    };
    alone = !(await onto(0, `base + ${culprit.session}`));
    if (!alone) {
      const j = await findFirstFailing(0, k - 1, async (m) => !(await onto(m, `${labelOf(m)} + ${culprit.session}`)));
      after = [steps[j - 1]!.session];
    }
  } else if (k > 1) {
    // Without more verify runs: the sessions before it whose files the failure names, else all of them.
    const before = steps.slice(0, k - 1);
    const changes = await Promise.all(before.map(changedBy));
    const named = before.filter((_, i) => findFilesNamed(failure.output, changes[i]!).length > 0).map((s) => s.session);
    after = named.length > 0 ? named : before.map((s) => s.session);
  }
  const breaking: BreakingSession = {
    session: culprit.session,
    after,
    alone,
    step: k,
    files: findFilesNamed(failure.output, changed),
    exitCode: failure.exitCode ?? null,
    outputTail: getFailureExcerpt(failure.output),
  };
  return { breaking, baseFails: null, runs };
}

/**
 * Runs `verify` on a commit in the scratch worktree, prepared (copy, setup) the first time. Both
 * run code the sessions wrote: in the command sandbox (ops/common/command-sandbox.ts), where
 * only the scratch worktree, temp folders and caches are writable.
 */
class Verifier {
  private constructor(
    private readonly project: Project,
    private readonly command: string,
    readonly path: string,
    private readonly emit: (event: IntegrateProgress) => void,
    private readonly runner: CommandRunner,
  ) {}

  static async open(project: Project, command: string, baseTip: string, emit: (event: IntegrateProgress) => void): Promise<Verifier> {
    const path = project.files.scratchWorktree;
    const created = await ensureScratchWorktree(project.root, path, baseTip);
    const verifier = new Verifier(project, command, path, emit, await prepareCommandRunner(project, path));
    if (created) {
      for (const copied of project.config.copy) await copyIntoWorktree(project.root, path, copied);
    }
    const setup = project.config.setup;
    if (setup && (created || (await project.files.readScratchSetup()) !== 'ok')) {
      await verifier.checkOut(baseTip);
      emit({ type: 'setup', status: 'started' });
      const outcome = await verifier.runner.run(setup, verifier.varsFor(project.config.sessions[0]!));
      await project.files.writeScratchSetup(outcome.ok ? 'ok' : 'failed');
      emit({ type: 'setup', status: outcome.ok ? 'ok' : 'failed' });
      if (!outcome.ok) {
        throw new RefusedError(
          `setup failed in the scratch worktree ${path} (exit ${outcome.exitCode ?? 'signal'}), so verify cannot run there; fix it and run \`parx integrate\` again`,
          getFailureExcerpt(outcome.output),
        );
      }
    }
    return verifier;
  }

  async checkOut(commit: string): Promise<void> {
    await checkOutScratch(this.path, commit);
  }

  async run(commit: string, label: string, session: SessionConfig): Promise<CommandOutcome> {
    await this.checkOut(commit);
    this.emit({ type: 'verify', label, status: 'started' });
    const outcome = await this.runner.run(this.command, this.varsFor(session));
    this.emit({ type: 'verify', label, status: outcome.ok ? 'passed' : 'failed', ms: Math.round(outcome.durationMs) });
    return outcome;
  }

  /** Like `down`'s verify: the session's variables (the last one merged), in the scratch worktree. */
  private varsFor(session: SessionConfig): Record<string, string> {
    return { ...getSessionVariables(this.project, session, this.path), PARX_INTEGRATE: '1' };
  }
}
