import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { constants, existsSync, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { readUntrustedBytesSync } from './untrusted-files.js';
import { access, appendFile, cp, mkdir, open, readFile } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Small file-system facts and moves used by `up`. */

/** True when `path` exists and is not an empty directory. */
export function isOccupied(path: string): boolean {
  try {
    return !statSync(path).isDirectory() || readdirSync(path).length > 0;
  } catch {
    return false;
  }
}

/** Whether a directory could be created (or written into) here, checked on the nearest existing ancestor. */
export async function canWriteDirectory(path: string): Promise<boolean> {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    if (!statSync(dir).isDirectory()) return false;
    await access(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Copies `relativePath` from the main worktree into a new worktree. Never overwrites what the
 * checkout already holds. Returns the sha256 of every file now at that path in the worktree
 * (worktree-relative path → digest), or undefined when the source does not exist.
 */
export async function copyIntoWorktree(root: string, worktree: string, relativePath: string): Promise<Record<string, string> | undefined> {
  const source = join(root, relativePath);
  if (!existsSync(source)) return undefined;
  const target = join(worktree, relativePath);
  await mkdir(dirname(target), { recursive: true });
  await cp(source, target, { recursive: true, force: false, errorOnExist: false, preserveTimestamps: true });
  const files = statSync(target).isDirectory()
    ? readdirSync(target, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name))
    : [target];
  const digests: Record<string, string> = {};
  for (const file of files) digests[relative(worktree, file).split(sep).join('/')] = await hashFile(file);
  return digests;
}

const NO_FOLLOW_READ = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * sha256 of a regular file's content, read as a stream (a local database can be large); throws
 * for a link, a FIFO or anything else that is not a regular file (a session's worktree may hold
 * one: it is never followed or waited on).
 */
export async function hashFile(path: string): Promise<string> {
  const file = await open(path, NO_FOLLOW_READ);
  try {
    if (!(await file.stat()).isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EINVAL' });
    const hash = createHash('sha256');
    for await (const chunk of file.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await file.close();
  }
}

/** Copies a regular file without following a link at `from` or waiting on a FIFO there; `to` must not exist. */
export async function copyRegularFile(from: string, to: string): Promise<void> {
  const source = await open(from, NO_FOLLOW_READ);
  try {
    const stat = await source.stat();
    if (!stat.isFile()) throw Object.assign(new Error(`${from} is not a regular file`), { code: 'EINVAL' });
    const target = await open(to, 'wx', stat.mode & 0o777);
    try {
      for await (const chunk of source.createReadStream({ autoClose: false })) await target.write(chunk as Buffer);
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** The executable `program` resolves to: through PATH, or relative to `cwd` when it has a slash. */
export async function findExecutable(program: string, cwd: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  const candidates = program.includes('/')
    ? [resolve(cwd, program)]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, program));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; try the next PATH entry
    }
  }
  return undefined;
}

/**
 * Keeps worktrees that live inside the repository out of its `git status` (they would show as
 * untracked and `git add -A` would embed them) via the repository-local `info/exclude`.
 */
export async function excludeFromRepo(root: string, commonDir: string, path: string): Promise<void> {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return;
  const line = `/${rel.split(sep).join('/')}/`;
  const excludeFile = join(commonDir, 'info', 'exclude');
  const current = await readFile(excludeFile, 'utf8').catch(() => '');
  if (current.split('\n').includes(line)) return;
  await mkdir(dirname(excludeFile), { recursive: true });
  await appendFile(excludeFile, `${current === '' || current.endsWith('\n') ? '' : '\n'}# parx worktrees\n${line}\n`);
}

/** What `program --version` (or other `args`) prints; `failed` when it cannot run or exits non-zero. */
export async function readProgramOutput(
  program: string,
  args: readonly string[],
  timeoutMs = 10_000,
): Promise<{ failed: boolean; stdout: string; stderr: string }> {
  const result = await execa(program, args, { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  return { failed: result.failed, stdout: `${result.stdout}`.trim(), stderr: `${result.stderr}`.trim() };
}

/**
 * The git blob id of what is at `path` now (a symlink's target text, a file's content), without
 * a process; null when nothing is there. `length` picks the hash: 40 hex digits for SHA-1
 * repositories, 64 for SHA-256 ones.
 */
export function getBlobId(path: string, length: number): string | null {
  let content: Buffer;
  try {
    const stat = lstatSync(path);
    if (stat.isDirectory()) return null;
    if (stat.isSymbolicLink()) content = Buffer.from(readlinkSync(path));
    else {
      // A session's worktree: a FIFO there is read as nothing git could have written, never waited on.
      const bytes = stat.isFile() ? readUntrustedBytesSync(path, Number.MAX_SAFE_INTEGER) : undefined;
      if (bytes === undefined) return 'not-a-file';
      content = bytes;
    }
  } catch {
    return null;
  }
  return createHash(length === 64 ? 'sha256' : 'sha1')
    .update(`blob ${content.length}\0`)
    .update(content)
    .digest('hex');
}
