import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { locateRepo } from '../adapters/git.js';

/**
 * What `parx status --watch` follows instead of polling git: the run's folder (events.jsonl,
 * state.json, every agent's state, requests and messages), the branches' refs and the
 * worktrees' git folders (a commit, a checkout, a staged file). A burst of changes is one
 * call of `onChange`, `debounceMs` after the last of them. Returns a function that stops.
 */
export async function followRunChanges(cwd: string, onChange: () => void, debounceMs = 100): Promise<() => void> {
  const { commonDir } = await locateRepo(cwd);
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  const watchers: FSWatcher[] = [];
  for (const dir of [join(commonDir, 'parx'), join(commonDir, 'refs', 'heads'), join(commonDir, 'worktrees')]) {
    try {
      const watcher = watch(dir, { recursive: true }, (_, name) => {
        // Lock files and temp files come and go around every real change: the change itself follows.
        if (name && /\.(lock|tmp)$/.test(name.toString())) return;
        changed();
      });
      watcher.on('error', () => watcher.close());
      watchers.push(watcher);
    } catch {
      // A folder that does not exist yet (no worktree so far): the others still say when it does.
    }
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
