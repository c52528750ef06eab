import { existsSync, watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PathChange } from '../core/changes.js';

/**
 * Watches one worktree with one `fs.watch` (inotify) per directory and a set of names per
 * directory, nothing per file. chokidar (the first choice) also watches every file and keeps
 * its stats, which on 8 worktrees × 5,000 files took 5 s and ~400 MB to get ready; this takes a
 * fraction of both (see docs/performance.md).
 *
 * Events are settled briefly per path before they are judged: editors' atomic saves and agents'
 * write-temp-then-rename produce a temp file that appears and vanishes within milliseconds,
 * which must not count as a change.
 */

export interface IgnoreRules {
  /** Called when a directory holding a `.gitignore` is listed, or its `.gitignore` changes. */
  loadDirectory(dir: string): void;
  isIgnored(path: string, isDirectory: boolean): boolean;
}

export interface TreeWatcherOptions {
  root: string;
  rules: IgnoreRules;
  onChange(change: PathChange): void;
  /** The root directory itself disappeared (worktree removed); the watcher has stopped. */
  onRootGone(): void;
  onError(error: Error): void;
  /**
   * The kernel refused to watch a directory for a reason other than its being gone (ENOSPC:
   * the inotify watch limit; EMFILE; EACCES): it is polled from now on instead, and the caller
   * must say so loudly, since polling is slower and heavier.
   */
  onPolling(dir: string, error: NodeJS.ErrnoException): void;
  settleMs?: number;
}

export interface TreeWatcher {
  /** Resolves once every directory is watched (or polled). */
  ready: Promise<{ directories: number; polled: string[] }>;
  close(): void;
}

interface WatchedDirectory {
  watcher: FSWatcher;
  /** The directory's inode: a folder deleted and made again under the same name is another one. */
  ino: number | undefined;
  /** Entry name → is a directory. */
  entries: Map<string, boolean>;
}

/** Errors that mean "this directory is not there (any more)", as opposed to "cannot watch it". */
const GONE = new Set(['ENOENT', 'ENOTDIR']);

export const DEFAULT_SETTLE_MS = 2;

export function watchTree(options: TreeWatcherOptions): TreeWatcher {
  const { root, rules } = options;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const dirs = new Map<string, WatchedDirectory>();
  const pending = new Map<string, NodeJS.Timeout>();
  /** Paths whose pending events include a `rename` (created, deleted or moved), not only a `change`. */
  const renamed = new Set<string>();
  /** Directories the kernel would not watch, polled instead (with everything below them). */
  const polled = new Map<string, { close(): void }>();
  let closed = false;

  const childPath = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);

  /**
   * Watches a directory and everything below it. `announce` is called for each file found
   * (undefined on the initial scan: git reconciles what was there before the guard).
   */
  async function addDirectory(dir: string, announce: ((path: string) => void) | undefined): Promise<void> {
    if (closed || dirs.has(dir) || polled.has(dir)) return;
    let watcher: FSWatcher;
    // Watch first, then list: anything created in between shows up in one or the other.
    try {
      watcher = watchDirectory(join(root, dir), dir, (event, name) => onEvent(dir, name, event));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (dir === '' && !existsSync(root)) return rootGone();
      if (GONE.has(code)) return; // vanished before we got to it
      return startPolling(dir, error as NodeJS.ErrnoException, announce !== undefined);
    }
    watcher.on('error', (error: NodeJS.ErrnoException) => {
      if (dir === '' && !existsSync(root)) return rootGone();
      if (GONE.has(error.code ?? '')) return;
      options.onError(error);
    });
    const state: WatchedDirectory = { watcher, ino: undefined, entries: new Map() };
    dirs.set(dir, state);
    let listing;
    try {
      const [entries, stats] = await Promise.all([readdir(join(root, dir), { withFileTypes: true }), lstat(join(root, dir))]);
      listing = entries;
      state.ino = stats.ino;
    } catch {
      forgetDirectory(dir, announce !== undefined);
      return;
    }
    if (listing.some((e) => e.name === '.gitignore')) rules.loadDirectory(dir);
    const subdirectories: string[] = [];
    for (const entry of listing) {
      const path = childPath(dir, entry.name);
      const isDirectory = entry.isDirectory();
      if (rules.isIgnored(path, isDirectory)) continue;
      state.entries.set(entry.name, isDirectory);
      if (isDirectory) subdirectories.push(path);
      else announce?.(path);
    }
    await Promise.all(subdirectories.map((d) => addDirectory(d, announce)));
  }

  const announceAdd = (path: string) => options.onChange({ path, change: 'add' });

  function onEvent(dir: string, name: string | Buffer | null, eventType: string): void {
    if (closed) return;
    if (name === null) return void rescan(dir);
    const path = childPath(dir, String(name));
    if (eventType === 'rename') renamed.add(path);
    if (pending.has(path)) return;
    pending.set(
      path,
      setTimeout(() => {
        pending.delete(path);
        settle(dir, String(name), path).catch((error: Error) => options.onError(error));
      }, settleMs),
    );
  }

  async function settle(dir: string, name: string, path: string): Promise<void> {
    const replaced = renamed.delete(path);
    const state = dirs.get(dir);
    if (closed || !state) return;
    const stats = await lstat(join(root, path)).catch(() => undefined);
    const known = state.entries.get(name);
    if (!stats) {
      if (dir === '' && !existsSync(root)) return rootGone();
      if (known === undefined) return; // appeared and vanished: a temp file
      state.entries.delete(name);
      if (known) forgetDirectory(path, true);
      else options.onChange({ path, change: 'unlink' });
      return;
    }
    const isDirectory = stats.isDirectory();
    if (rules.isIgnored(path, isDirectory)) return;
    if (isDirectory) {
      if (known === false) options.onChange({ path, change: 'unlink' });
      state.entries.set(name, true);
      // A folder we watch that was created, deleted or moved and is there now was replaced
      // (`rm -rf src/b && mkdir src/b`): the old watch died with the old folder, whose inode the
      // new one may even reuse. Watch it afresh, and report what differs.
      const watched = dirs.get(path);
      if (watched && (replaced || (watched.ino !== undefined && watched.ino !== stats.ino))) return rewatch(path);
      return addDirectory(path, announceAdd);
    }
    if (known === true) forgetDirectory(path, true);
    state.entries.set(name, false);
    if (name === '.gitignore') rules.loadDirectory(dir);
    options.onChange({ path, change: known === false ? 'change' : 'add' });
  }

  /** Re-lists a directory when the OS could not say which entry changed. */
  async function rescan(dir: string): Promise<void> {
    const state = dirs.get(dir);
    if (!state) return;
    const names = await readdir(join(root, dir)).catch(() => [] as string[]);
    for (const name of new Set([...names, ...state.entries.keys()])) onEvent(dir, name, 'rename');
  }

  /**
   * Watches a replaced folder from scratch. Files it holds that were known before count as
   * changed (same name, maybe other content), new ones as added, missing ones as deleted.
   */
  async function rewatch(dir: string): Promise<void> {
    const before = new Set<string>();
    for (const [path, state] of dirs) {
      if (path !== dir && !path.startsWith(`${dir}/`)) continue;
      for (const [name, isDirectory] of state.entries) if (!isDirectory) before.add(childPath(path, name));
    }
    forgetDirectory(dir, false);
    const seen = new Set<string>();
    await addDirectory(dir, (path) => {
      seen.add(path);
      options.onChange({ path, change: before.has(path) ? 'change' : 'add' });
    });
    for (const path of before) if (!seen.has(path)) options.onChange({ path, change: 'unlink' });
  }

  /**
   * Polls a directory the kernel would not watch (chokidar's polling mode, everything below
   * it included: the same limit would refuse its subdirectories too).
   */
  async function startPolling(dir: string, error: NodeJS.ErrnoException, announce: boolean): Promise<void> {
    options.onPolling(dir, error);
    let poller: { ready: Promise<void>; close(): void } | undefined = undefined;
    polled.set(dir, { close: () => poller?.close() });
    // Loaded only when needed: chokidar is most of the guard's code otherwise.
    const { pollTree } = await import('./poll-watcher.js');
    if (closed) return;
    poller = pollTree({
      root,
      dir,
      isIgnored: (path, isDirectory) => rules.isIgnored(path, isDirectory),
      onChange: (change) => !closed && options.onChange(change),
      onError: (e) => options.onError(e),
      // A folder that appeared while watching: what it holds already is news, as with addDirectory.
      announceExisting: announce,
    });
    // `ready` means "every folder is watched or polled": wait for the poll's first scan.
    await poller.ready;
  }

  /** Stops watching a directory and everything below it; announces its files as deleted. */
  function forgetDirectory(dir: string, announce: boolean): void {
    for (const [path, state] of [...dirs]) {
      if (path !== dir && !path.startsWith(`${dir}/`)) continue;
      state.watcher.close();
      dirs.delete(path);
      if (!announce) continue;
      for (const [name, isDirectory] of state.entries) {
        if (!isDirectory) options.onChange({ path: childPath(path, name), change: 'unlink' });
      }
    }
  }

  function rootGone(): void {
    if (closed) return;
    close();
    options.onRootGone();
  }

  function close(): void {
    closed = true;
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
    for (const state of dirs.values()) state.watcher.close();
    dirs.clear();
    for (const poller of polled.values()) poller.close();
    polled.clear();
  }

  const ready = addDirectory('', undefined).then(() => ({ directories: dirs.size, polled: [...polled.keys()] }));
  return { ready, close };
}

/**
 * `fs.watch` of one directory. Tests make it fail for one folder the way the kernel does when
 * the inotify watch limit is reached (`PARX_TEST_WATCH_FAIL=ENOSPC:src/b`): that limit is a
 * machine-wide setting a test cannot lower without disturbing everything else running.
 */
function watchDirectory(path: string, dir: string, listener: (event: string, name: string | null) => void): FSWatcher {
  const fail = process.env.PARX_TEST_WATCH_FAIL?.split(':');
  if (fail && fail[1] === dir) throw Object.assign(new Error(`${fail[0]}: watch ${path} (simulated)`), { code: fail[0] });
  return watch(path, { persistent: true }, listener);
}
