import { relative, sep } from 'node:path';
import chokidar from 'chokidar';
import type { TreeWatcher, TreeWatcherOptions } from './tree-watcher.js';

/**
 * The same watcher contract on chokidar 5, kept to measure the two side by side
 * (`PARX_WATCHER=chokidar`, and `npm run bench`). Tuned as far as it goes: no initial `add`
 * events, ignored directories pruned before they are walked. It still installs a watch and
 * keeps stats per file, which is what makes it slow to start and heavy on large trees.
 */
export function watchTreeWithChokidar(options: TreeWatcherOptions): TreeWatcher {
  const toRelative = (path: string) => relative(options.root, path).split(sep).join('/');
  const watcher = chokidar.watch(options.root, {
    ignoreInitial: true,
    persistent: true,
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
