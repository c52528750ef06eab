import { relative, sep } from 'node:path';
import chokidar from 'chokidar';
import type { TreeWatcher, TreeWatcherOptions } from './tree-watcher.js';

/** How often the `poll` watcher stats every file of a worktree. */
export const POLL_INTERVAL_MS = 500;

/**
 * The watcher contract on chokidar 5. With `poll` it is the guard's `poll` watcher
 * (`guard.watcher: poll`): a stat of every file each interval, for file systems where kernel
 * events do not arrive. Without, it watches with events like watchTree but installs a watch
 * and keeps stats per file (slow to start, heavy on large trees): kept to measure the two side
 * by side (`PARX_WATCHER=chokidar`, `npm run bench`). Either way no initial `add` events, and
 * ignored directories are pruned before they are walked.
 */
export function watchTreeWithChokidar(options: TreeWatcherOptions, { poll = false }: { poll?: boolean } = {}): TreeWatcher {
  const toRelative = (path: string) => relative(options.root, path).split(sep).join('/');
  const watcher = chokidar.watch(options.root, {
    ignoreInitial: true,
    persistent: true,
    // A temp file written and renamed away between two polls is never seen: no settling needed.
    ...(poll && { usePolling: true, interval: POLL_INTERVAL_MS, binaryInterval: POLL_INTERVAL_MS }),
    ignored: (path, stats) => {
      const rel = toRelative(path);
      if (rel === '') return false;
      if (rel.endsWith('.gitignore') && stats?.isFile()) options.rules.loadDirectory(rel.slice(0, -'.gitignore'.length).replace(/\/$/, ''));
      return options.rules.isIgnored(rel, stats ? stats.isDirectory() : false);
    },
  });
  watcher.on('add', (path) => options.onChange({ path: toRelative(path), change: 'add' }));
  watcher.on('change', (path) => options.onChange({ path: toRelative(path), change: 'change' }));
  watcher.on('unlink', (path) => options.onChange({ path: toRelative(path), change: 'unlink' }));
  watcher.on('unlinkDir', (path) => {
    if (toRelative(path) === '') options.onRootGone();
  });
  watcher.on('error', (error) => options.onError(error as Error));
  const ready = new Promise<{ directories: number; polled: string[] }>((resolve) => {
    watcher.on('ready', () => resolve({ directories: Object.keys(watcher.getWatched()).length, polled: [] }));
  });
  return { ready, close: () => void watcher.close() };
}
