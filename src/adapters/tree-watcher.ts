import { existsSync, watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PathChange } from '../core/changes.js';

/**
 * Watches one worktree with one `fs.watch` (inotify) per directory and a set of names per
 * directory, nothing per file. chokidar (the first choice) also watches every file and keeps
 * its stats, which on 8 worktrees × 5,000 files took 5 s and ~400 MB to get ready; this takes a
 * fraction of both (see README "Performance").
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
  settleMs?: number;
}

export interface TreeWatcher {
  /** Resolves once every directory is watched. */
  ready: Promise<{ directories: number }>;
  close(): void;
}

interface WatchedDirectory {
  watcher: FSWatcher;
  /** Entry name → is a directory. */
  entries: Map<string, boolean>;
}

export const DEFAULT_SETTLE_MS = 2;

export function watchTree(options: TreeWatcherOptions): TreeWatcher {
  const { root, rules } = options;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const dirs = new Map<string, WatchedDirectory>();
  const pending = new Map<string, NodeJS.Timeout>();
  let closed = false;

  const childPath = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);

  async function addDirectory(dir: string, announce: boolean): Promise<void> {
    if (closed || dirs.has(dir)) return;
    let watcher: FSWatcher;
    // Watch first, then list: anything created in between shows up in one or the other.
    try {
      watcher = watch(join(root, dir), { persistent: true }, (_event, name) => onEvent(dir, name));
    } catch (error) {
      if (dir === '') return goneOrError(error);
      return; // vanished before we got to it
    }
    watcher.on('error', (error) => (dir === '' && !existsSync(root) ? rootGone() : options.onError(error)));
    const state: WatchedDirectory = { watcher, entries: new Map() };
    dirs.set(dir, state);
    let listing;
    try {
      listing = await readdir(join(root, dir), { withFileTypes: true });
    } catch {
      forgetDirectory(dir, announce);
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
      else if (announce) options.onChange({ path, change: 'add' });
    }
    await Promise.all(subdirectories.map((d) => addDirectory(d, announce)));
  }

  function onEvent(dir: string, name: string | Buffer | null): void {
    if (closed) return;
    if (name === null) return void rescan(dir);
    const path = childPath(dir, String(name));
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
      return addDirectory(path, true);
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
    for (const name of new Set([...names, ...state.entries.keys()])) onEvent(dir, name);
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

  function goneOrError(error: unknown): void {
    if (!existsSync(root)) rootGone();
    else options.onError(error as Error);
  }

  function close(): void {
    closed = true;
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
    for (const state of dirs.values()) state.watcher.close();
    dirs.clear();
  }

  const ready = addDirectory('', false).then(() => ({ directories: dirs.size }));
  return { ready, close };
}
