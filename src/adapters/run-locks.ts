import { readFile, rm, rmdir, writeFile } from 'node:fs/promises';

/**
 * The lock files of a run (`<run>/lock`, `guard.pid`, `integrate/lock`, `reviews/running/<s>`):
 * created exclusively, naming their holder; one whose holder is gone is taken over.
 */

export type RunLock = { release: () => Promise<void> } | { holder: { pid: number; command: string } };

/**
 * Creates the file `path` holding `content` if no live process holds it: a file whose holder
 * (`pidOf` its text) is gone is taken over, and so is one that stays unreadable (a holder killed
 * between creating it and writing it). Returns true when this process holds it now, else the
 * holder's text. The folder must exist.
 */
export async function takeLockFile(path: string, content: string, pidOf: (text: string) => number | undefined): Promise<true | string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, content, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let text = await readFile(path, 'utf8').catch(() => '');
    // A holder may be between creating the file and writing it: look again a moment later.
    if (!isValidPid(pidOf(text))) {
      await new Promise((r) => setTimeout(r, 50));
      text = await readFile(path, 'utf8').catch(() => '');
    }
    const holder = pidOf(text);
    if (holder === process.pid) return true;
    if (isValidPid(holder) && isProcessAlive(holder!)) return text;
    await rm(path, { force: true });
  }
  return readFile(path, 'utf8').catch(() => '');
}

/**
 * Takes the lock at `path` for `command` (`{"pid", "command", "time"}`), or names its live holder.
 * Its release removes it only while it is still this one, and `runDir` too when nothing else is
 * left in it (a run refused before it made anything leaves nothing behind).
 */
export async function acquireLockFile(path: string, command: string, runDir: string): Promise<RunLock> {
  const mine = JSON.stringify({ pid: process.pid, command, time: new Date().toISOString() });
  const taken = await takeLockFile(path, mine, (text) => parseLock(text)?.pid);
  if (taken !== true) return { holder: parseLock(taken) ?? { pid: 0, command: 'unknown' } };
  const release = async () => {
    if ((await readFile(path, 'utf8').catch(() => '')) !== mine) return;
    await rm(path, { force: true });
    await rmdir(runDir).catch(() => {});
  };
  return { release };
}

/** The holder of the lock at `path` while it lives; undefined when there is none or it is gone. */
export async function readLiveLock(path: string): Promise<{ pid: number; command: string } | undefined> {
  const holder = parseLock(await readFile(path, 'utf8').catch(() => ''));
  return holder && isValidPid(holder.pid) && isProcessAlive(holder.pid) ? holder : undefined;
}

function parseLock(text: string): { pid: number; command: string } | undefined {
  try {
    return JSON.parse(text) as { pid: number; command: string };
  } catch {
    return undefined;
  }
}

function isValidPid(pid: number | undefined): boolean {
  return pid !== undefined && Number.isInteger(pid) && pid > 0;
}

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
