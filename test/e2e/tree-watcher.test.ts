import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchTree, type TreeWatcher } from '../../src/adapters/tree-watcher.js';
import type { PathChange } from '../../src/core/changes.js';
import { waitFor } from '../helpers/parx.js';

/**
 * The watcher in this process, on a real folder: a write and a rename done in one JavaScript
 * turn are both over before any of the watcher's callbacks can run, so what it reports does not
 * depend on how busy the machine is.
 */

const open: Array<{ watcher: TreeWatcher; root: string }> = [];
afterEach(() => {
  for (const { watcher, root } of open.splice(0)) {
    watcher.close();
    rmSync(root, { recursive: true, force: true });
  }
});

async function watch(): Promise<{ root: string; changes: PathChange[] }> {
  const root = mkdtempSync(join(tmpdir(), 'parx-watch-'));
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src/login.ts'), 'v0\n');
  const changes: PathChange[] = [];
  const watcher = watchTree({
    root,
    rules: { loadDirectory: () => {}, isIgnored: () => false },
    onChange: (c) => changes.push(c),
    onRootGone: () => {},
    onError: (e) => {
      throw e;
    },
    onPolling: () => {},
  });
  open.push({ watcher, root });
  await watcher.ready;
  return { root, changes };
}

describe('the tree watcher', () => {
  it('does not report the temp file of an atomic save (write temp, rename over), wherever it is', async () => {
    const { root, changes } = await watch();
    for (let i = 0; i < 20; i++) {
      writeFileSync(join(root, `.login.ts.${i}.tmp`), `v${i}\n`);
      renameSync(join(root, `.login.ts.${i}.tmp`), join(root, 'src/login.ts'));
    }
    writeFileSync(join(root, 'sentinel.txt'), 'x\n');
    await waitFor('the sentinel', () => changes.find((c) => c.path === 'sentinel.txt'));
    expect(changes.map((c) => c.path).filter((p) => p.endsWith('.tmp'))).toEqual([]);
    expect(changes).toContainEqual({ path: 'src/login.ts', change: 'change' });
  });
});
