import { existsSync } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { appendWithoutFollowing, readUntrusted, readUntrustedJson, writeFileAtomically } from './untrusted-files.js';

/**
 * The run folder, `<git-common-dir>/parx/`, and how parx writes into it: folders made under it
 * and never above it, whole files in call order, appends that never follow a link. RunMessages
 * (the sessions' channels) and RunFiles (the run's own files) build on it.
 */
export class RunFolder {
  readonly dir: string;

  constructor(protected readonly commonDir: string) {
    this.dir = join(commonDir, 'parx');
  }

  /**
   * Creates a folder under the run folder, never above it: a process that outlives its
   * repository (a guard, a hook) must not bring a deleted repository's folders back.
   */
  protected async ensureDir(dir: string): Promise<void> {
    if (!existsSync(this.commonDir)) throw new Error(`the repository's git folder ${this.commonDir} is gone`);
    await mkdir(dir, { recursive: true });
  }

  /** Writes under way, per path: each waits for the one before, so the last one called wins. */
  private readonly writes = new Map<string, Promise<void>>();

  /**
   * Writes a file whole (temp file, then rename), in call order per path: concurrent callers (the
   * cleanups `parx down` runs side by side) must neither share a temp file nor let an older
   * snapshot land after a newer one.
   */
  protected writeAtomically(path: string, text: string): Promise<void> {
    const write = async () => {
      await this.ensureDir(dirname(path));
      await writeFileAtomically(path, text);
    };
    const next = (this.writes.get(path) ?? Promise.resolve()).then(write, write);
    this.writes.set(path, next);
    return next;
  }

  get eventsPath(): string {
    return join(this.dir, 'events.jsonl');
  }

  /** Where agents' states are kept (the guard watches this folder). */
  get agentsDir(): string {
    return join(this.dir, 'agents');
  }

  /**
   * A session's own folder: the only one of the run its sandbox may write (its agent's hooks
   * report there), so a session cannot forge another's state or rewrite the run's files.
   */
  agentDir(session: string): string {
    return join(this.agentsDir, session);
  }

  /**
   * Appends already-serialised lines in one O_APPEND write (concurrent writers do not interleave),
   * never through a link and never into anything but a regular file.
   */
  async appendLines(lines: readonly string[], path = this.eventsPath): Promise<void> {
    if (lines.length === 0) return;
    await this.ensureDir(dirname(path));
    await appendWithoutFollowing(path, `${lines.join('\n')}\n`, { repairLine: true });
  }
}

/**
 * A file of parx's own that must be there whole or not at all: undefined when missing, its text
 * when it is a regular file, and an error for anything else (a folder, a FIFO, a link), which
 * never blocks.
 */
export async function readOwnFile(path: string): Promise<string | undefined> {
  const text = await readUntrusted(path, 64 * 1024 * 1024);
  if (text !== undefined) return text;
  const stat = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!stat) return undefined;
  // Written (renamed into place) between the two looks: read it again.
  if (stat.isFile()) return readUntrusted(path, 64 * 1024 * 1024);
  throw new Error(`${path} is not a regular file; parx did not make it so: remove it, then run parx up`);
}

/** A JSON file of parx's own folders, or undefined when it is missing or unreadable. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  return readUntrustedJson<T>(path, 64 * 1024 * 1024);
}
