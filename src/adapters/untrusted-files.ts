import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The one door for files a session can write (its run folder `agents/<session>/`, its worktree,
 * its object folder) and for every file parx writes where a session might have planted
 * something first. A session controls these paths, so parx never follows a symlink there, never
 * opens anything but a regular file, never waits on one (a FIFO opened for reading blocks until
 * someone writes; O_NONBLOCK returns at once), and never reads more than it asked for.
 *
 * Reading answers `undefined` for anything that is not a plain file parx could have written: a
 * missing path, a link, a FIFO, a socket, a device, a folder. Callers treat that as "nothing
 * there", so a session that plants such a thing only loses its own report.
 */

const { O_RDONLY, O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;

/** What a session's file may hold before parx stops reading it (a report is a few KB). */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/** A regular file's text (at most `maxBytes` of it, from `start`), or undefined for anything else. */
export async function readUntrusted(path: string, maxBytes = DEFAULT_MAX_BYTES, start = 0): Promise<string | undefined> {
  const buffer = await readUntrustedBytes(path, maxBytes, start);
  return buffer?.toString('utf8');
}

export async function readUntrustedBytes(path: string, maxBytes = DEFAULT_MAX_BYTES, start = 0): Promise<Buffer | undefined> {
  let file;
  try {
    file = await open(path, READ_FLAGS);
  } catch {
    // ENOENT, ELOOP (a symlink), ENXIO (a socket), EACCES: nothing parx can use.
    return undefined;
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) return undefined;
    const length = Math.max(0, Math.min(maxBytes, stat.size - start));
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await file.read(buffer, read, length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  } catch {
    return undefined;
  } finally {
    await file.close().catch(() => {});
  }
}

/**
 * The same, synchronously, for the few readers that must answer before they return (the guard's
 * watcher decides whether to descend into a folder from its `.gitignore`). Never blocks either:
 * a FIFO or a link is `undefined`, not a wait.
 */
export function readUntrustedSync(path: string, maxBytes = DEFAULT_MAX_BYTES): string | undefined {
  return readUntrustedBytesSync(path, maxBytes)?.toString('utf8');
}

export function readUntrustedBytesSync(path: string, maxBytes = DEFAULT_MAX_BYTES): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    const length = Math.min(maxBytes, stat.size);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const bytesRead = readSync(fd, buffer, read, length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A JSON document from an untrusted file, or undefined when it is not one (or not a plain file). */
export async function readUntrustedJson<T>(path: string, maxBytes = 1024 * 1024): Promise<T | undefined> {
  const text = await readUntrusted(path, maxBytes);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The records of a JSON-lines file; a damaged line is skipped, anything but a plain file is none. */
export async function readUntrustedJsonLines<T>(path: string, maxBytes = DEFAULT_MAX_BYTES): Promise<T[]> {
  const text = await readUntrusted(path, maxBytes);
  return parseJsonLines<T>(text ?? '');
}

export function parseJsonLines<T>(text: string): T[] {
  return text.split('\n').flatMap((line) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as T];
    } catch {
      return [];
    }
  });
}

/**
 * Writes a file whole: a temporary file of an unpredictable name, created exclusively (O_EXCL
 * fails on anything already there, a planted symlink included), then renamed over the path
 * (rename replaces a link itself, never its target). A reader sees the old content or the new.
 */
export async function writeFileAtomically(path: string, text: string | Buffer, mode = 0o644): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', mode);
  try {
    await file.writeFile(text);
    // The mode as asked, whatever the umask took away (a restored executable stays executable).
    await file.chmod(mode);
  } catch (error) {
    await file.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await file.close();
  await rename(temp, path).catch(async (error: unknown) => {
    await rm(temp, { force: true });
    throw error;
  });
}

/**
 * Appends to a file without following a link and without blocking; refuses (throws) anything
 * but a regular file. Created when missing. One write call: concurrent appenders do not
 * interleave within a line (O_APPEND).
 */
export async function appendWithoutFollowing(path: string, text: string, options: { repairLine?: boolean } = {}): Promise<void> {
  const file = await open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0o644);
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EINVAL' });
    let prefix = '';
    if (options.repairLine && stat.size > 0) {
      // A writer killed mid-write (kill -9 can cut a write short) leaves a line without its
      // newline: start on a fresh line, so that only that one line is damaged.
      const last = await readUntrustedBytes(path, 1, stat.size - 1);
      if (last && last.length === 1 && last[0] !== 0x0a) prefix = '\n';
    }
    await file.appendFile(`${prefix}${text}`);
  } finally {
    await file.close();
  }
}
