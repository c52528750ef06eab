import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { realpath } from '../../adapters/git-dir.js';
import { changeSandbox, findSandboxPid } from '../../adapters/sandbox-live.js';
import { getPanePid } from '../../adapters/tmux-panes.js';
import { quotePath } from '../../core/requests.js';
import type { RunState } from '../../core/run-state.js';
import { planLiveClose, planLiveOpen, type LivePathFacts } from '../../core/sandbox-live-plan.js';
import { getFolderOf, getGlobPrefix, isWithin } from '../../core/sandbox-plan.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { listFolder } from './sandbox-worktree.js';

/**
 * A grant in the running sandboxes: the path becomes writable in the grantee's and read-only in
 * the previous owner's, now, for the processes already running there too wherever the mounts
 * allow it (adapters/sandbox-live.ts says how). A session whose pane is not running has no
 * sandbox to change: its next start plans the grant in (sandbox-worktree.ts).
 * Worktrees and panes come from state.json, recorded at `up`.
 */

export interface LiveGrantResult {
  /** The grantee's running sandbox could not be changed: the path opens there at its next start. */
  restartNeeded: boolean;
  /**
   * Processes of the grantee that still see the path read-only (their working folder is inside a
   * folder that had to get a new mount): a new shell, or `cd "$PWD"`, sees it writable.
   */
  staleForGrantee: Array<{ pid: number; path: string }>;
  /**
   * Processes of the previous owner that can still write the path through the mount they were in
   * (a working folder or an open file inside it): the guard reverts what they write there.
   */
  stillWritable: Array<{ pid: number; path: string }>;
  notes: string[];
}

export async function applyGrantToSandboxes(
  state: RunState,
  sessions: readonly SessionConfig[],
  grant: { path: string; to: string; from?: string | undefined },
): Promise<LiveGrantResult> {
  const result: LiveGrantResult = { restartNeeded: false, staleForGrantee: [], stillWritable: [], notes: [] };
  for (const [session, opening] of [[grant.to, true], ...(grant.from ? [[grant.from, false]] : [])] as Array<[string, boolean]>) {
    const st = state.sessions[session];
    if (st?.sandbox !== 'on' || !st.pane) continue;
    const panePid = await getPanePid(st.pane);
    const pid = panePid && (await findSandboxPid(panePid));
    if (!pid) continue;
    const worktree = realpath(st.worktree);
    const outcome = opening ? await openLive(pid, worktree, grant.path, session, sessions, state) : await closeLive(pid, worktree, grant.path);
    if ('failure' in outcome) {
      result.notes.push(`${session}'s sandbox could not be changed while it runs: ${outcome.failure}`);
      if (opening) result.restartNeeded = true;
      continue;
    }
    if (opening) result.staleForGrantee.push(...outcome.holders);
    else result.stillWritable.push(...outcome.holders);
  }
  for (const h of result.staleForGrantee)
    result.notes.push(
      `process ${h.pid} of ${grant.to} works in ${h.path}, which had to get a new mount: it still sees ${quotePath(grant.path)} read-only (a new shell, or cd "$PWD", sees it writable)`,
    );
  for (const h of result.stillWritable)
    result.notes.push(
      `process ${h.pid} of ${grant.from ?? ''} holds ${h.path} through its old mount: it can still write ${quotePath(grant.path)} there; the guard reverts what it writes`,
    );
  return result;
}

/**
 * After parx itself rewrote files in a running session's worktree (a sync's merge): git replaces
 * a file by removing it and writing a new one, and a read-only mount on the old file goes with
 * it, so a file beside one the session may change would become writable. Each such path that the
 * session may not write is pinned read-only again (the script leaves alone what already is).
 */
export async function closeAgainAfterRewrite(
  state: RunState,
  session: string,
  paths: readonly string[],
  mayWrite: (path: string) => boolean,
): Promise<string | undefined> {
  const st = state.sessions[session];
  const closed = paths.filter((p) => !mayWrite(p));
  if (st?.sandbox !== 'on' || !st.pane || closed.length === 0) return undefined;
  const panePid = await getPanePid(st.pane);
  const pid = panePid && (await findSandboxPid(panePid));
  if (!pid) return undefined;
  const worktree = realpath(st.worktree);
  const present = closed.filter((p) => existsSync(join(worktree, p)));
  const probe = await changeSandbox(
    pid,
    worktree,
    present.map((path) => ({ op: 'probe' as const, path })),
  );
  if (!probe.ok) return probe.reason;
  const writable = present.filter((p) => probe.facts.get(p)?.writable);
  if (writable.length === 0) return undefined;
  const pinned = await changeSandbox(
    pid,
    worktree,
    writable.map((path) => ({ op: 'pin' as const, path })),
  );
  return pinned.ok ? undefined : pinned.reason;
}

type LiveOutcome = { holders: Array<{ pid: number; path: string }> } | { failure: string };

async function openLive(
  pid: number,
  worktree: string,
  path: string,
  session: string,
  sessions: readonly SessionConfig[],
  state: RunState,
): Promise<LiveOutcome> {
  const folder = getFolderOf(path);
  const probe = await changeSandbox(pid, worktree, [
    { op: 'probe', path },
    { op: 'probe', path: folder },
  ]);
  if (!probe.ok) return { failure: probe.reason };
  const missing: LivePathFacts = { exists: false, folder: false, writable: false, mountRoot: false };
  const pathFacts = probe.facts.get(path) ?? missing;
  const folderFacts = probe.facts.get(folder) ?? missing;
  const notes: string[] = [];
  const siblings = !pathFacts.folder && existsSync(join(worktree, folder)) ? listFolder(join(worktree, folder), (name) => notes.push(name)) : [];
  // What stays closed inside a granted folder: other sessions' folders, and paths granted to others since.
  const closures = [
    ...sessions.filter((s) => s.name !== session).flatMap((s) => s.owns.map(getGlobPrefix)),
    ...(state.grants ?? []).filter((g) => g.to !== session && isWithin(g.path, path) && g.path !== path).map((g) => g.path),
  ].filter((c) => c !== '' && isWithin(c, path) && c !== path && existsSync(join(worktree, c)));
  const ops = planLiveOpen(path, { path: pathFacts, folder: folderFacts, siblings, closures });
  if (ops.length === 0) return { holders: [] };
  const live = await changeSandbox(pid, worktree, ops);
  if (!live.ok) return { failure: live.reason };
  return { holders: live.holders.filter((h) => h.pid > 0) };
}

async function closeLive(pid: number, worktree: string, path: string): Promise<LiveOutcome> {
  if (!existsSync(join(worktree, path)) && !existsSync(dirname(join(worktree, path)))) return { holders: [] };
  const probe = await changeSandbox(pid, worktree, [{ op: 'probe', path }]);
  if (!probe.ok) return { failure: probe.reason };
  const ops = planLiveClose(path, probe.facts.get(path) ?? { exists: false, folder: false, writable: false, mountRoot: false });
  if (ops.length === 0) return { holders: [] };
  const live = await changeSandbox(pid, worktree, ops);
  if (!live.ok) return { failure: live.reason };
  return { holders: live.holders };
}
