import { join, relative, sep } from 'node:path';
import chokidar from 'chokidar';
import type { PathChange } from '../core/changes.js';

export interface PollOptions {
  /** The worktree; paths reported are relative to it. */
  root: string;
  /** The folder to poll, relative to root. */
  dir: string;
  isIgnored(path: string, isDirectory: boolean): boolean;
  onChange(change: PathChange): void;
  onError(error: Error): void;
  /** Report the files found on the first scan as added. */
  announceExisting?: boolean;
  intervalMs?: number;
}

/**
 * Polls a folder and everything below it with chokidar's polling mode (a stat of each file per
 * interval): for where kernel events do not arrive or the kernel refuses more watches. Slower
 * and heavier than events, so only the folders that need it are polled.
 */
export function pollTree(options: PollOptions): { ready: Promise<void>; close(): void } {
  const toRelative = (path: string) => relative(options.root, path).split(sep).join('/');
  const interval = options.intervalMs ?? 500;
  const watcher = chokidar.watch(join(options.root, options.dir), {
    ignoreInitial: !options.announceExisting,
    persistent: true,
    usePolling: true,
    interval,
    binaryInterval: interval,
    ignored: (path, stats) => {
      const rel = toRelative(path);
      return rel !== options.dir && rel !== '' && options.isIgnored(rel, stats ? stats.isDirectory() : false);
    },
  });
  watcher.on('add', (path) => options.onChange({ path: toRelative(path), change: 'add' }));
  watcher.on('change', (path) => options.onChange({ path: toRelative(path), change: 'change' }));
  watcher.on('unlink', (path) => options.onChange({ path: toRelative(path), change: 'unlink' }));
  watcher.on('error', (error) => options.onError(error as Error));
  // Ready once the first scan has taken its baseline: a change after that is one the poll sees.
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => void watcher.close() };
}
