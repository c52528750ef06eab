import { existsSync, lstatSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { NO_HOOKS, SAFE_GIT_CONFIG } from './git.js';

/**
 * Each sandboxed session's own git object folder. git must write objects to commit, and a
 * session that could write the shared object store could also delete or replace an object there:
 * git does not re-hash what it checks out, so a blob of its own renamed to another session's blob
 * id would land its text in that session's file at `parx down`. So inside a session's sandbox
 * `<common>/objects` is its own folder (`parx/objects/<session>/`), with the shared store mounted
 * read-only at `parx/objects-shared` as its alternate: its commits see all history and write only
 * there.
 *
 * parx drains that folder into the shared store through git's own pack machinery, which stores
 * every object under the hash of its content: a forged object ends up under its true id (or
 * nowhere), never under the id it claimed. The recording guard drains a folder as soon as it
 * changes, and every command that reads a session's branch drains it first and checks that the
 * tip is complete in the shared store alone; so plain git in the repository sees a session's
 * commit within moments of it, and `git gc` finds every object an index or reflog names.
 */

/** The folder a session's sandbox writes objects to (the shared store's alternate inside). */
export function getSessionObjectsDir(commonDir: string, session: string): string {
  return join(commonDir, 'parx', 'objects', session);
}

/** Where each sandbox mounts the shared object store, read-only (named in every session folder's alternates). */
export function getSharedObjectsMount(commonDir: string): string {
  return join(commonDir, 'parx', 'objects-shared');
}

/** Makes the session's object folder (and the shared store's mount point); harmless when they exist. */
export async function prepareSessionObjects(commonDir: string, session: string): Promise<string> {
  const dir = getSessionObjectsDir(commonDir, session);
  await Promise.all([
    mkdir(join(dir, 'info'), { recursive: true }),
    mkdir(join(dir, 'pack'), { recursive: true }),
    mkdir(getSharedObjectsMount(commonDir), { recursive: true }),
  ]);
  await writeFile(join(dir, 'info', 'alternates'), `${getSharedObjectsMount(commonDir)}\n`);
  return dir;
}

export type ObjectsResult = { ok: true } | { ok: false; reason: string };
export type DrainResult = { ok: true; moved: number } | { ok: false; reason: string };

/** How long one git step of a drain may take: the folder is the session's, and could be made to stall git. */
const TIMEOUT_MS = 120_000;
const SAFE = [...SAFE_GIT_CONFIG, ...NO_HOOKS];

/**
 * Moves every object of the session's folder into the shared store, verified (stored under the
 * hash of its content), and removes from the folder each one the shared store now holds. An
 * object whose content does not match its name stays where it is, unused: the commit that names
 * it is incomplete, which verifyTip reports.
 */
export async function drainSessionObjects(root: string, commonDir: string, session: string): Promise<DrainResult> {
  const dir = getSessionObjectsDir(commonDir, session);
  if (!existsSync(dir)) return { ok: true, moved: 0 };
  const { loose, packs } = await listFolderObjects(dir);
  const packed = await Promise.all(packs.map((idx) => listPackObjects(root, idx)));
  const ids = [...new Set([...loose.map((l) => l.id), ...packed.flat()])];
  if (ids.length === 0) return { ok: true, moved: 0 };
  // Read from the session's folder first (it is the object directory), the shared store after.
  const source = { ...process.env, GIT_OBJECT_DIRECTORY: dir, GIT_ALTERNATE_OBJECT_DIRECTORIES: join(commonDir, 'objects') };
  // unpack-objects writes one object after another, commits first: a reader that follows the
  // session's branch (plain git, `git diff main parx/a`) would meet its commit before its tree.
  // So trees and blobs go in first, the commits and tags that name them after.
  for (const batch of await splitByEntryPoints(root, source, ids)) {
    const failure = await moveObjects(root, source, batch);
    if (failure) return { ok: false, reason: failure };
  }
  // Which of them the shared store holds now, under their own names.
  const check = await execa('git', [...SAFE, 'cat-file', '--batch-check=%(objectname)'], {
    cwd: root,
    input: `${ids.join('\n')}\n`,
    reject: false,
    timeout: TIMEOUT_MS,
  });
  const present = new Set(check.stdout.split('\n').filter((l) => /^[0-9a-f]{40,64}$/.test(l)));
  await Promise.all(loose.filter((l) => present.has(l.id)).map((l) => rm(l.path, { force: true })));
  for (const [i, idx] of packs.entries()) {
    if (packed[i]!.every((id) => present.has(id)))
      await Promise.all(['.pack', '.idx', '.rev', '.keep', '.bitmap'].map((ext) => rm(idx.replace(/\.idx$/, ext), { force: true })));
  }
  const forged = ids.filter((id) => !present.has(id));
  return forged.length === 0 ? { ok: true, moved: ids.length } : { ok: false, reason: `object ${forged[0]} does not hash to its name (${forged.length} such)` };
}

/** `ids` as two batches: what commits and tags name (trees, blobs), then the commits and tags. */
async function splitByEntryPoints(root: string, source: NodeJS.ProcessEnv, ids: readonly string[]): Promise<string[][]> {
  const typed = await execa('git', [...SAFE, 'cat-file', '--batch-check=%(objectname) %(objecttype)'], {
    cwd: root,
    env: source,
    input: `${ids.join('\n')}\n`,
    reject: false,
    timeout: TIMEOUT_MS,
  });
  const entryPoints = new Set(typed.stdout.split('\n').flatMap((line) => (/^\S+ (commit|tag)$/.test(line) ? [line.split(' ')[0]!] : [])));
  return [ids.filter((id) => !entryPoints.has(id)), ids.filter((id) => entryPoints.has(id))].filter((batch) => batch.length > 0);
}

/** Packs these objects from the session's folder and unpacks them into the shared store; says why not. */
async function moveObjects(root: string, source: NodeJS.ProcessEnv, ids: readonly string[]): Promise<string | undefined> {
  const pack = await execa('git', [...SAFE, 'pack-objects', '--stdout', '-q'], {
    cwd: root,
    env: source,
    input: `${ids.join('\n')}\n`,
    encoding: 'buffer',
    // A pack is bytes: its checksum ends in a newline one time in 256, which execa would strip.
    stripFinalNewline: false,
    reject: false,
    timeout: TIMEOUT_MS,
  });
  // An object that is not there or does not parse fails the pack: report it; nothing was taken.
  if (pack.failed) return firstLine(Buffer.from(pack.stderr).toString()) || 'its objects cannot be read';
  const unpack = await execa('git', [...SAFE, 'unpack-objects', '-q'], { cwd: root, input: Buffer.from(pack.stdout), reject: false, timeout: TIMEOUT_MS });
  if (unpack.failed) return firstLine(unpack.stderr) || 'its objects did not verify';
  return undefined;
}

/**
 * The environment for a git that inspects a session's worktree (its status, its HEAD's tree):
 * the session's own folder as an alternate, so a commit made a moment ago and not drained yet is
 * readable. Only for looking: what is merged is always a tip verified into the shared store.
 */
export function getInspectionEnv(commonDir: string, session: string): Record<string, string> | undefined {
  const dir = getSessionObjectsDir(commonDir, session);
  return existsSync(dir) ? { ...(process.env as Record<string, string>), GIT_ALTERNATE_OBJECT_DIRECTORIES: dir } : undefined;
}

/** Whether every object `tip` reaches (beyond what `known` commits reach) is in the shared store alone. */
export async function verifyTip(root: string, tip: string, known: readonly string[]): Promise<ObjectsResult> {
  const check = await execa('git', [...SAFE, 'rev-list', '--objects', '--quiet', tip, '--not', ...known, '--'], {
    cwd: root,
    reject: false,
    timeout: TIMEOUT_MS,
  });
  return check.failed ? { ok: false, reason: firstLine(check.stderr) || 'its commit is incomplete' } : { ok: true };
}

/** Reads a directory's names; the listing below takes another one in its test. */
export type ReadDirectory = (dir: string) => Promise<string[]>;

/** How many passes a listing takes at most to settle (see listFolderObjects). */
const MAX_LISTING_PASSES = 4;

/**
 * The loose objects (regular files named like objects, nothing else) and the pack indexes of a
 * session's folder, listed until a pass finds nothing new. One pass is not a moment: git may
 * write a tree into a fan-out folder already read (or one not yet made when the folder was read)
 * and then the commit that names it into one read later, and a drain of that listing would let
 * plain git see the commit without its tree. Once a pass finds nothing new, every object written
 * before one listed is listed too. A folder still being written after a few passes (a large
 * `git add`) is drained without what its last pass found first: an object first listed in a
 * pass before it was written before that pass ended, so everything git wrote before it was
 * listed by the last pass, which started later. The next drain takes the rest.
 */
export async function listFolderObjects(
  dir: string,
  readDirectory: ReadDirectory = readdir,
): Promise<{ loose: Array<{ id: string; path: string }>; packs: string[] }> {
  // Each object's path (or pack), with the pass that first listed it.
  const loose = new Map<string, { path: string; pass: number }>();
  const packs = new Map<string, number>();
  let settled = false;
  for (let pass = 0; pass < MAX_LISTING_PASSES; pass++) {
    const before = loose.size + packs.size;
    const listed = await listFolderOnce(dir, readDirectory);
    for (const object of listed.loose) if (!loose.has(object.id)) loose.set(object.id, { path: object.path, pass });
    for (const pack of listed.packs) if (!packs.has(pack)) packs.set(pack, pass);
    if (pass > 0 && loose.size + packs.size === before) {
      settled = true;
      break;
    }
  }
  const kept = (firstListed: number) => settled || firstListed < MAX_LISTING_PASSES - 1;
  return {
    loose: [...loose].filter(([, o]) => kept(o.pass)).map(([id, o]) => ({ id, path: o.path })),
    packs: [...packs].filter(([, first]) => kept(first)).map(([path]) => path),
  };
}

async function listFolderOnce(dir: string, readDirectory: ReadDirectory): Promise<{ loose: Array<{ id: string; path: string }>; packs: string[] }> {
  const loose: Array<{ id: string; path: string }> = [];
  for (const fan of await readDirectory(dir).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{2}$/.test(fan)) continue;
    for (const rest of await readDirectory(join(dir, fan)).catch(() => [] as string[])) {
      const path = join(dir, fan, rest);
      if (/^([0-9a-f]{38}|[0-9a-f]{62})$/.test(rest) && lstatSync(path, { throwIfNoEntry: false })?.isFile()) loose.push({ id: `${fan}${rest}`, path });
    }
  }
  const packs = (await readDirectory(join(dir, 'pack')).catch(() => [] as string[]))
    .filter((name) => /^pack-[0-9a-f]+\.idx$/.test(name))
    .map((name) => join(dir, 'pack', name))
    .filter((path) => lstatSync(path, { throwIfNoEntry: false })?.isFile());
  return { loose, packs };
}

/** The object ids a pack index lists (`git show-index` reads it from stdin; a damaged one lists none). */
async function listPackObjects(root: string, idx: string): Promise<string[]> {
  const result = await execa('git', [...SAFE, 'show-index'], { cwd: root, inputFile: idx, reject: false, timeout: TIMEOUT_MS });
  if (result.failed) return [];
  return result.stdout.split('\n').flatMap((line) => {
    const id = line.split(' ')[1];
    return id && /^[0-9a-f]{40,64}$/.test(id) ? [id] : [];
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
