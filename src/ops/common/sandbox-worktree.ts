import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { minimatch } from 'minimatch';
import { listTrackedFiles, realpath } from '../../adapters/git.js';
import type { SessionConfig } from '../../core/config-validate.js';
import type { OwnershipGrant } from '../../core/ownership.js';
import { getGlobPrefix, getGrantedPaths, getLiteralIgnoredFolders, isExactPrefix, isWithin, openFilesByFolder } from '../../core/sandbox-plan.js';
import type { Project } from './project.js';

/**
 * The worktree half of a session's sandbox facts: which of its paths open (owned, shared,
 * `writable:`, ignored build folders, granted) and which close again inside them (other
 * sessions' folders, the entries beside a file opened by its folder, paths granted away).
 *
 * parx never creates in a worktree something that is not the session's own: a missing owned
 * folder or ignored build folder is made (it is the session's to fill, and git does not see an
 * empty folder), but another session's path that does not exist yet is never made just to have
 * something to mount over. Such a path inside a folder this session may write cannot be closed by
 * the OS; its hooks deny it to file tools, the guard flags it, and `up` says so.
 */

export interface WorktreeFacts {
  open: Array<{ path: string; why: string }>;
  close: Array<{ path: string; why: string }>;
  notes: string[];
}

export async function gatherWorktreeFacts(
  project: Project,
  session: SessionConfig,
  realWorktree: string,
  ignoreRules: readonly string[],
  grants: readonly OwnershipGrant[],
): Promise<WorktreeFacts> {
  const notes: string[] = [];
  const open: Array<{ path: string; why: string }> = [];
  const close: Array<{ path: string; why: string }> = [{ path: '.git', why: "the worktree's link to its git folder" }];
  const at = (rel: string) => join(realWorktree, rel);
  /** A worktree-relative path, only if no symlink along it leads elsewhere (it would open the link's target). */
  const direct = (rel: string): boolean => {
    const real = realpath(at(rel));
    if (real === at(rel) || (rel === '' && real === realWorktree)) return true;
    notes.push(`${rel} is a symlink (or under one) and stays read-only`);
    return false;
  };
  const openFolder = async (rel: string, why: string, create: boolean) => {
    if (!existsSync(at(rel))) {
      if (!create) return;
      await mkdir(at(rel), { recursive: true });
    }
    if (direct(rel)) open.push({ path: rel, why });
  };
  // A file that does not exist yet opens by its folder, like any file (openFilesByFolder, below).
  const openFileToBe = (rel: string, why: string) => {
    if (existsSync(at(dirname(rel)))) {
      if (direct(rel)) open.push({ path: rel, why });
    } else notes.push(`${rel} does not exist yet, nor its folder: it cannot be created inside the sandbox`);
  };
  // A glob's prefix is a folder (made when missing: it is this session's) when the glob goes on
  // past it; a glob that is all literal (`package.json`) may name a file, opened by its folder.
  const openPrefix = async (glob: string, why: string) => {
    const prefix = getGlobPrefix(glob);
    const isFolder = glob.endsWith('/') || glob.replace(/^\.\//, '') !== prefix;
    if (!isFolder && !existsSync(at(prefix))) openFileToBe(prefix, why);
    else await openFolder(prefix, why, isFolder);
  };
  for (const glob of session.owns) await openPrefix(glob, `owned (${glob})`);
  for (const entry of project.config.writable.filter((w) => !w.startsWith('/') && !w.startsWith('~'))) await openPrefix(entry, `writable: ${entry}`);

  const others = project.config.sessions
    .filter((s) => s.name !== session.name)
    .flatMap((s) => s.owns.map((g) => ({ prefix: getGlobPrefix(g), owner: s.name })));
  const listTracked = (paths: readonly string[] = []) => listTrackedFiles(realWorktree, paths);
  const tracked = project.config.shared.some((g) => !isExactPrefix(g)) ? await listTracked() : [];
  for (const glob of project.config.shared) {
    const prefix = getGlobPrefix(glob);
    if (isExactPrefix(glob)) {
      if (existsSync(at(prefix)) || glob.endsWith('/**')) await openFolder(prefix, `shared (${glob})`, glob.endsWith('/**') && !existsSync(at(prefix)));
      else openFileToBe(prefix, `shared (${glob})`);
    } else {
      for (const file of tracked.filter((f) => minimatch(f, glob, { dot: true }))) if (direct(file)) open.push({ path: file, why: `shared (${glob})` });
    }
  }

  // Build and dependency folders named in the ignore rules. One that holds tracked files (or
  // another session's folder) stays closed: ignore rules never open tracked work.
  const folders = getLiteralIgnoredFolders(ignoreRules).filter(
    (f) => !others.some((o) => o.prefix !== '' && (isWithin(o.prefix, f.path) || isWithin(f.path, o.prefix))),
  );
  // Only a folder on disk can hold tracked files (a checkout writes every tracked file).
  const present = folders.filter((f) => existsSync(at(f.path)));
  const trackedInFolders = present.length > 0 ? await listTracked(present.map((f) => `:(literal)${f.path}`)) : [];
  for (const folder of folders) {
    if (trackedInFolders.some((f) => isWithin(f, folder.path))) {
      notes.push(`${folder.path}/ is ignored but holds tracked files; it stays closed`);
      continue;
    }
    const isFolder = existsSync(at(folder.path)) ? lstatSync(at(folder.path)).isDirectory() : folder.folder;
    if (isFolder) await openFolder(folder.path, `ignored build folder (${folder.path})`, folder.folder);
  }

  // Paths granted to this session during the run open; paths granted away close (below).
  const granted = getGrantedPaths(session.name, grants);
  for (const rel of granted.open) {
    // A granted file that is not there (yet, or deleted on purpose) opens by its folder, below.
    if (existsSync(at(rel))) {
      if (direct(rel)) open.push({ path: rel, why: 'granted during this run' });
    } else openFileToBe(rel, 'granted during this run');
  }

  // A file opens as its folder with the folder's other entries closed (agents save by rename).
  const isFile = (rel: string) => !(statSync(at(rel), { throwIfNoEntry: false })?.isDirectory() ?? false);
  const byFolder = openFilesByFolder(
    open.map((o) => ({ ...o, file: isFile(o.path) })),
    (folder) => listFolder(at(folder), (name) => notes.push(`${join(folder, name)} is a symlink beside a file this session may change: it could be replaced`)),
  );
  open.splice(0, open.length, ...byFolder.open);
  close.push(...byFolder.close);
  const closed = (rel: string) => close.some((c) => isWithin(rel, c.path));

  // Another session's folder inside one this session opened stays read-only, unless it was granted here.
  for (const other of others) {
    if (granted.open.some((g) => isWithin(other.prefix, g))) continue;
    if (other.prefix === '' || !open.some((o) => other.prefix !== o.path && isWithin(other.prefix, o.path))) continue;
    if (existsSync(at(other.prefix))) close.push({ path: other.prefix, why: `owned by ${other.owner}` });
    else if (!closed(other.prefix)) {
      notes.push(
        `${other.prefix} (${other.owner}'s) does not exist yet, in a folder this session may write: the sandbox cannot keep it from being created; its hooks deny it and the guard flags it`,
      );
    }
  }
  for (const rel of granted.close) {
    if (existsSync(at(rel)) && open.some((o) => isWithin(rel, o.path))) close.push({ path: rel, why: 'granted to another session' });
  }
  // The worktree itself is a mount of its own, so that a later grant of a file at its top can
  // open it in place, for processes already running there too (ops/common/sandbox-grants.ts).
  if (!open.some((o) => o.path === '')) close.push({ path: '', why: 'the worktree itself (a mount of its own, for grants)' });
  return { open, close, notes };
}

/** A folder's entries, but symlinks (a mount over one would land on its target): those are reported. */
export function listFolder(path: string, onSymlink: (name: string) => void): string[] {
  const entries = readdirSync(path, { withFileTypes: true });
  for (const e of entries.filter((e) => e.isSymbolicLink())) onSymlink(e.name);
  return entries.filter((e) => !e.isSymbolicLink()).map((e) => e.name);
}
