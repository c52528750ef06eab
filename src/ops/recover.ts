import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../adapters/untrusted-files.js';
import { getCommit, listCommittedChanges } from '../adapters/git.js';
import { isAncestor } from '../adapters/git-merge.js';
import { tellHuman } from './common/tell-human.js';
import type { SessionConfig } from '../core/config-validate.js';
import { getRecoverDecision, type RecoverReason, type RecoverRecord } from '../core/landing.js';
import type { RunState } from '../core/run-state.js';
import type { IntegrationRecord } from '../core/integration.js';
import { sendToAgent } from './common/messages.js';
import type { Project } from './common/project.js';
import { syncSessions } from './sync.js';

/**
 * `recover: agent`: a session whose merge conflicts, whose merge broke `verify` (evicted), or that
 * `integrate` found breaking, gets another try instead of waiting for a person. parx brings its
 * branch up to date with base when that merges cleanly and its agent is not working (the `sync`
 * merge), and tells its agent, at its next turn boundary, what failed: the conflicting files,
 * or verify's last lines, and which sessions landed since it forked, with their files. One try
 * per failure and tip; after `retries` tries it needs a human, and parx stops. The tries are kept
 * in `<run>/recover/<session>.json` (parx's own), gone when the session lands or is abandoned.
 */

export interface RecoverFailure {
  reason: RecoverReason;
  /** The tip that failed. */
  tip: string;
  /** Conflicting files (conflict). */
  files?: readonly string[];
  /** The last lines verify printed (verify, integrate). */
  output?: readonly string[];
}

export type RecoverResult = { kind: 'off' } | { kind: 'same-tip' } | { kind: 'tried'; try: number } | { kind: 'needs-human'; reason: string };

const recordPath = (project: Project, session: string) => join(project.files.dir, 'recover', `${session}.json`);

export async function readRecoverRecord(project: Project, session: string): Promise<(RecoverRecord & { needsHuman?: string }) | undefined> {
  const text = await readFile(recordPath(project, session), 'utf8').catch(() => undefined);
  try {
    return text ? (JSON.parse(text) as RecoverRecord & { needsHuman?: string }) : undefined;
  } catch {
    return undefined;
  }
}

export async function forgetRecoverRecord(project: Project, session: string): Promise<void> {
  await rm(recordPath(project, session), { force: true });
}

/** One failure of `session`: another try, or, with the retries used up, a human. The caller holds the run lock. */
export async function recoverSession(project: Project, state: RunState | undefined, session: SessionConfig, failure: RecoverFailure): Promise<RecoverResult> {
  if (project.config.recover !== 'agent') return { kind: 'off' };
  const record = await readRecoverRecord(project, session.name);
  const decision = getRecoverDecision(record, failure.tip, failure.reason, project.config.retries);
  if (decision === 'same-tip') return { kind: 'same-tip' };
  const write = (next: RecoverRecord & { needsHuman?: string }) =>
    mkdir(join(project.files.dir, 'recover'), { recursive: true }).then(() => writeFileAtomically(recordPath(project, session.name), JSON.stringify(next)));
  const time = new Date().toISOString();
  if (decision === 'needs-human') {
    const reason = `${record!.tries} tries did not land it; the last failure: ${describeFailure(failure, project.base)}`;
    if (!record?.needsHuman) {
      await write({ ...record!, tip: failure.tip, reason: failure.reason, time, needsHuman: reason });
      await project.files.appendEvent({ type: 'needs-human', session: session.name, reason });
      const message = `${session.name} needs you: ${reason}`;
      await tellHuman(project, 'needs-human', session.name, message);
    }
    return { kind: 'needs-human', reason };
  }
  const tries = (record?.tries ?? 0) + 1;
  await write({ tries, tip: failure.tip, reason: failure.reason, time });
  await project.files.appendEvent({ type: 'recover', session: session.name, reason: failure.reason, try: tries });
  // Up to date with base where that is clean and safe; a conflict is the agent's to resolve.
  const synced = await syncSessions(project, state, [session.name]).catch(() => undefined);
  const outcome = synced?.sessions[0]?.outcome;
  const landed = await findLandedSince(project, state, failure.tip);
  const lines = [
    `parx (try ${tries} of ${project.config.retries}): your branch did not land. ${describeFailure(failure, project.base)}`,
    ...(failure.reason === 'conflict' && failure.files?.length
      ? [`Merge ${project.base} into your branch (\`git merge ${project.base}\` in your worktree), resolve ${failure.files.join(', ')}, and commit.`]
      : []),
    ...(failure.output?.some((l) => l.trim()) ? ['verify printed, last lines:', ...failure.output.slice(-15).map((l) => `  ${l}`)] : []),
    ...(outcome?.kind === 'synced' ? [`parx merged ${project.base} into your branch (${outcome.commit.slice(0, 9)}): build on that.`] : []),
    ...(landed.length > 0
      ? [
          `Landed in ${project.base} since you forked:`,
          ...landed.map((l) => `  ${l.session}: ${l.files.slice(0, 10).join(', ')}${l.files.length > 10 ? ', …' : ''}`),
        ]
      : []),
    'Fix it in your own files, commit, and end your turn: parx tries again.',
  ];
  await sendToAgent(project, session.name, 'parx', lines.join('\n'));
  return { kind: 'tried', try: tries };
}

function describeFailure(failure: RecoverFailure, base: string): string {
  switch (failure.reason) {
    case 'conflict':
      return `It conflicts with ${base} in ${failure.files?.join(', ') ?? 'some files'}.`;
    case 'verify':
      return `Merged onto ${base}, it failed verify, and the merge was undone.`;
    case 'integrate':
      return `Integrated with the other sessions, it breaks verify.`;
  }
}

/** Sessions `down` landed that the tip does not contain yet, with the files each changed. */
async function findLandedSince(project: Project, state: RunState | undefined, tip: string): Promise<Array<{ session: string; files: string[] }>> {
  const merged = Object.entries(state?.down?.merged ?? {});
  const out: Array<{ session: string; files: string[] }> = [];
  for (const [session, commit] of merged) {
    if (!(await getCommit(project.root, commit)) || (await isAncestor(project.root, commit, tip))) continue;
    const files = await listCommittedChanges(project.root, `${commit}^1`, commit).catch(() => []);
    out.push({ session, files: files.map((f) => f.path) });
  }
  return out;
}

/**
 * `recover: agent`: the session integrate found breaking, and those that conflict, get another
 * try (ops/recover.ts). Under the run lock, as a sync is; when `up`, `down` or `sync` holds it,
 * the next integration does it.
 */
export async function recoverFromIntegration(project: Project, record: IntegrationRecord): Promise<void> {
  if (project.config.recover !== 'agent' || (!record.breaking && record.conflicts.length === 0)) return;
  const lock = await project.files.acquireRunLock('integrate');
  if ('holder' in lock) return;
  try {
    const session = (name: string) => project.config.sessions.find((s) => s.name === name)!;
    if (record.breaking && record.tips[record.breaking.session])
      await recoverSession(project, project.state, session(record.breaking.session), {
        reason: 'integrate',
        tip: record.tips[record.breaking.session]!,
        output: record.breaking.outputTail,
      });
    for (const c of record.conflicts)
      if (record.tips[c.session])
        await recoverSession(project, project.state, session(c.session), { reason: 'conflict', tip: record.tips[c.session]!, files: c.files });
  } finally {
    await lock.release();
  }
}
