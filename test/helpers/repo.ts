import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

/** A throwaway git repository on branch `main` with one commit, removed after the test. */
export interface TestRepo {
  /** The folder holding the repository (and, by default, its `<name>.parx` worktrees). */
  parent: string;
  root: string;
  git(...args: string[]): string;
  write(path: string, text: string): void;
  read(path: string): string;
}

const made: string[] = [];

afterEach(() => {
  // Retries: processes of the killed tmux server (a guard flushing its last events) may still
  // be writing under .git/parx for a moment.
  while (made.length > 0) rmSync(made.pop()!, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
});

export function createRepo(files: Record<string, string> = { 'README.md': '# test\n' }, name = 'repo'): TestRepo {
  const parent = mkdtempSync(join(tmpdir(), 'parx-repo-'));
  made.push(parent);
  const root = join(parent, name);
  mkdirSync(root);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  git('init', '-q', '-b', 'main');
  for (const [path, text] of Object.entries(files)) write(path, text);
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return { parent, root, git, write, read: (path) => readFileSync(join(root, path), 'utf8') };
}
