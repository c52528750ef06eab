import { isAbsolute } from 'node:path';
import { locateRepo } from '../adapters/git.js';
import { RunFiles } from '../adapters/run-files.js';
import { RefusedError, UsageError } from '../core/errors.js';
import { createOwnership } from '../core/ownership.js';
import { foldRequests, getRequestSession, isValidRequestPath, oneLine, quotePath, type OwnershipRequest } from '../core/requests.js';
import type { GrantRecord, RunState } from '../core/run-state.js';
import { loadProject, withRunLock, type Project, type ProjectOptions } from './common/project.js';
import { readPromptTemplate, renderSessionPrompt } from './common/prompts.js';
import { applyGrantToSandboxes } from './common/sandbox-grants.js';
import { sendToAgent } from './common/messages.js';

/**
 * Ownership requests and messages (`parx requests`, `grant`, `refuse`, `tell`, and `ask`, which
 * an agent runs to give its request a reason). A denied write becomes a request to the path's
 * owner; the human answers; both sessions' agents are told at their next turn boundary.
 */

/** Every request of the run (open, granted, refused), oldest first. */
export async function listRequests(project: Project): Promise<OwnershipRequest[]> {
  const state = project.state;
  const ownership = createOwnership(project.config.sessions, project.config.shared, state?.grants);
  const all = await Promise.all(
    project.config.sessions.map(async (s) => foldRequests(s.name, await project.files.readRequestLines(s.name), state?.decisions ?? {}, ownership)),
  );
  return all.flat().sort((a, b) => a.time.localeCompare(b.time));
}

export async function runListRequests(options: ProjectOptions): Promise<OwnershipRequest[]> {
  return (await listRequests(await loadProject(options))).filter((r) => r.status === 'open');
}

export type GrantTarget = { id: string } | { path: string; to: string };

export interface GrantResult {
  grant: GrantRecord;
  /** Sessions whose agents were told (the others have no hooks to tell them through). */
  told: string[];
  /** The grantee's running OS sandbox could not be changed: the path opens there when its pane restarts. */
  restartNeeded: boolean;
  /** What the sandboxes could not follow, and why. */
  notes: string[];
}

/** `parx grant <id>` or `parx grant <path> --to <session>`: moves ownership for the rest of the run. */
export async function runGrant(options: ProjectOptions, target: GrantTarget): Promise<GrantResult> {
  const project = await loadProject(options);
  const state = requireRun(project);
  return withRunLock(project, 'grant', async () => {
    const fresh = (await project.files.readState()) ?? state;
    project.state = fresh;
    const ownership = createOwnership(project.config.sessions, project.config.shared, fresh.grants);
    let path: string;
    let to: string;
    let request: OwnershipRequest | undefined;
    if ('id' in target) {
      request = await findRequest(project, target.id);
      if (request.status !== 'open') throw new RefusedError(`request ${request.id} was ${request.status} already`);
      ({ path, from: to } = request);
    } else {
      path = normalizeRepoPath(target.path);
      to = target.to;
      if (!project.config.sessions.some((s) => s.name === to)) throw new UsageError(`--to names no session of this run: "${to}"`);
    }
    // The previous owner of a file, or of what a folder holds (`src/b/**` owns what is in src/b).
    const from = [...ownership.ownersOf(path), ...ownership.ownersOf(`${path}/.parx-probe`)].find((s) => s !== to);
    const grant: GrantRecord = {
      path,
      to,
      from,
      time: new Date().toISOString(),
      ...(request && { request: request.id }),
      ...(request?.reason && { reason: request.reason }),
    };
    fresh.grants = [...(fresh.grants ?? []), grant];
    if (request) fresh.decisions = { ...fresh.decisions, [request.id]: { decision: 'granted', time: grant.time } };
    await applyOwnership(project, fresh);
    await project.files.appendEvent({ type: 'grant', path, from, to, ...(request && { id: request.id, reason: request.reason }) });
    const why = request?.reason ? ` (${to} asked: “${request.reason}”)` : '';
    // The OS sandboxes change now: the path opens in the grantee's and closes in the previous owner's.
    const live = await applyGrantToSandboxes(fresh, project.config.sessions, grant);
    // And the guard judges by the new ownership before this returns (it reverts a write the
    // previous owner still makes there through a mount the sandbox could not take back).
    if (!(await project.files.waitForGuardToSeeState())) live.notes.push('the guard has not picked the grant up yet: it will within a second');
    const goOn = live.restartNeeded
      ? ` Your session's OS sandbox could not open ${quotePath(path)} while it runs and keeps it read-only until it restarts: finish the rest of your task, commit, and say that you need a restart to make this change.`
      : live.staleForGrantee.length > 0
        ? ` Go on with the change you needed. A shell that was already working inside ${live.staleForGrantee.map((h) => h.path).join(', ')} still sees it read-only: run \`cd "$PWD"\` there first (a new shell sees it writable).`
        : ' Go on with the change you needed.';
    const told = await tell(project, [
      [to, `${request ? `Request ${request.id} was granted: y` : 'Y'}ou now own ${quotePath(path)} for the rest of this run.${goOn}`],
      ...(from
        ? [
            [from, `${quotePath(path)} now belongs to session "${to}"${why}. Do not change it any more; coordinate through the human if you need it.`] as [
              string,
              string,
            ],
          ]
        : []),
    ]);
    return { grant, told, restartNeeded: live.restartNeeded, notes: live.notes };
  });
}

/** `parx refuse <id> [--why TEXT]`: tells the requester no. */
export async function runRefuse(options: ProjectOptions, id: string, why: string | undefined): Promise<{ request: OwnershipRequest; told: string[] }> {
  const project = await loadProject(options);
  const state = requireRun(project);
  return withRunLock(project, 'refuse', async () => {
    const fresh = (await project.files.readState()) ?? state;
    project.state = fresh;
    const request = await findRequest(project, id);
    if (request.status !== 'open') throw new RefusedError(`request ${request.id} was ${request.status} already`);
    const reason = why ? oneLine(why) : undefined;
    fresh.decisions = { ...fresh.decisions, [id]: { decision: 'refused', time: new Date().toISOString(), ...(reason && { why: reason }) } };
    await project.files.writeState(fresh);
    await project.files.appendEvent({ type: 'refuse', id, from: request.from, owner: request.owner, path: request.path, ...(reason && { why: reason }) });
    const told = await tell(project, [
      [request.from, `Request ${id} for ${quotePath(request.path)} was refused${reason ? `: ${reason}` : ''}. Do not change it; go on without it.`],
    ]);
    return { request: { ...request, status: 'refused' }, told };
  });
}

/** `parx tell <session> <text>`: a message for the session's agent at its next turn boundary. */
export async function runTell(options: ProjectOptions, session: string, text: string): Promise<{ delivered: boolean }> {
  const project = await loadProject(options);
  requireRun(project);
  if (!project.config.sessions.some((s) => s.name === session)) throw new UsageError(`no session "${session}" in this run`);
  if (text.trim() === '') throw new UsageError('nothing to tell: the message is empty');
  await project.files.appendEvent({ type: 'tell', session, text });
  const told = await tell(project, [[session, text]], 'human');
  return { delivered: told.includes(session) };
}

/**
 * `parx ask <id> <reason>`: what an agent runs, from inside its sandbox, to say why it needs a
 * path. Writes only to the requesting session's own folder (the one its sandbox may write).
 */
export async function runAsk(id: string, reason: string, commonDir: string | undefined, cwd = process.cwd()): Promise<OwnershipRequest['id']> {
  const session = getRequestSession(id);
  if (!session) throw new UsageError(`"${id}" is not a request id (they look like auth-1)`);
  const files = new RunFiles(commonDir ?? (await locateRepo(cwd)).commonDir);
  const lines = await files.readRequestLines(session);
  if (!lines.some((l) => l.type === 'request' && l.id === id)) throw new UsageError(`no request ${id} in this run`);
  const text = oneLine(reason);
  if (text === '') throw new UsageError('the reason is empty: say in one line what you need and why');
  await files.appendRequestLine(session, { type: 'reason', id, reason: text, time: new Date().toISOString() });
  await files.appendSessionEvent(session, { type: 'request', session, id, reason: text });
  return id;
}

function requireRun(project: Project): RunState {
  if (!project.state || Object.keys(project.state.sessions).length === 0) throw new UsageError('no parx run here; start one with `parx up`');
  return project.state;
}

async function findRequest(project: Project, id: string): Promise<OwnershipRequest> {
  const session = getRequestSession(id);
  const request = session ? (await listRequests(project)).find((r) => r.id === id) : undefined;
  if (!request) throw new UsageError(`no request ${id}; \`parx requests\` lists the open ones`);
  return request;
}

/** A path relative to the repository root, `/`-separated, inside it. */
function normalizeRepoPath(path: string): string {
  const normalized = path.replaceAll('\\', '/').replace(/^\.\//, '').replace(/\/+$/, '');
  if (isAbsolute(normalized) || !isValidRequestPath(normalized)) {
    throw new UsageError(`expected a path relative to the repository root, got "${path}"`);
  }
  return normalized;
}

/**
 * Makes the new ownership the run's: state, the hook's policy (read on every write), and the
 * prompt files. The guard rebuilds its ownership when state.json changes.
 */
async function applyOwnership(project: Project, state: RunState): Promise<void> {
  await project.files.writeState(state);
  const policy = await project.files.readPolicy();
  if (policy) await project.files.writePolicy({ ...policy, grants: (state.grants ?? []).map(({ path, to }) => ({ path, to })) });
  const template = await readPromptTemplate(project);
  await Promise.all(
    project.config.sessions.map(async (session) => {
      const st = state.sessions[session.name];
      if (!st) return;
      await project.files.writePrompt(
        session.name,
        renderSessionPrompt(project, template, session, { branch: st.branch, worktree: st.worktree, sandboxed: st.sandbox === 'on' }, state.grants),
      );
    }),
  );
}

/** Sends messages (ops/common/messages.ts); returns the sessions whose agents will get them through their hooks. */
async function tell(project: Project, messages: ReadonlyArray<[session: string, text: string]>, from: 'human' | 'parx' = 'parx'): Promise<string[]> {
  const told: string[] = [];
  for (const [session, text] of messages) {
    if (!project.config.sessions.some((s) => s.name === session)) continue;
    if ((await sendToAgent(project, session, from, text)) === 'agent') told.push(session);
  }
  return told;
}
