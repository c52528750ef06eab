import { watchTreeWithChokidar } from '../../adapters/chokidar-watcher.js';
import { listTrackedIgnored } from '../../adapters/git.js';
import { GitIgnoreRules } from '../../adapters/gitignore.js';
import { watchTree, type TreeWatcher, type TreeWatcherOptions } from '../../adapters/tree-watcher.js';
import { isAlwaysIgnored } from '../../core/ownership.js';
import type { LiveSession } from '../common/sessions.js';
import type { WatcherKind } from './types.js';

/**
 * A watcher of one session's worktree that skips what git ignores there: the ignore sources
 * `up` recorded (`excludesFile`, the ones the hook reads too), each folder's .gitignore as it is
 * reached, and ignored files that are tracked all the same (a change to one is a change).
 */
export async function watchSession(
  session: LiveSession,
  how: { kind: WatcherKind; commonDir: string; excludesFile: string },
  handlers: Pick<TreeWatcherOptions, 'onChange' | 'onRootGone' | 'onError' | 'onPolling'>,
): Promise<TreeWatcher> {
  const rules = new GitIgnoreRules(how.commonDir, how.excludesFile);
  rules.addTracked(await listTrackedIgnored(session.worktree, how.excludesFile).catch(() => []));
  const options: TreeWatcherOptions = {
    root: session.worktree,
    rules: {
      loadDirectory: (dir) => rules.loadGitignore(session.worktree, dir),
      isIgnored: (path, isDirectory) => isAlwaysIgnored(path) || rules.isIgnored(path, isDirectory),
    },
    ...handlers,
  };
  return how.kind === 'fs' ? watchTree(options) : watchTreeWithChokidar(options, { poll: how.kind === 'poll' });
}
