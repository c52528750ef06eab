import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { createRepo, type TestRepo } from './repo.js';
import { runParx, type CliResult } from './parx.js';

/**
 * A repository with sessions made the way `parx up` makes them (branch parx/<name> and a
 * worktree in ../repo.parx/<name>), without tmux: most `parx down` scenarios are about git.
 */
export interface DownFixture extends TestRepo {
  worktree(session: string): string;
  start(session: string): void;
  writeIn(session: string, path: string, text: string): void;
  /** Writes the files in the session's worktree and commits them on its branch. */
  commitIn(session: string, files: Record<string, string>, message?: string): void;
  gitIn(session: string, ...args: string[]): string;
  down(...args: string[]): Promise<CliResult>;
  /** Subjects of the commits on main, newest first. */
  mainLog(): string[];
  refs(prefix: string): string[];
}

export function createDownFixture(sessions: Record<string, { owns: string[]; after?: string[] }>, extra: Record<string, unknown> = {}): DownFixture {
  const repo = createRepo({ 'README.md': '# shop\n', 'src/shared/db.ts': 'export const db = 1;\n' });
  const config = { agent: 'shell', ...extra, sessions: Object.fromEntries(Object.entries(sessions).map(([n, s]) => [n, { task: `Do ${n}.`, ...s }])) };
  repo.write('parx.config.json', `${JSON.stringify(config, null, 2)}\n`);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'add parx config');
  const parent = realpathSync(repo.parent);
  const worktree = (session: string) => join(parent, 'repo.parx', session);
  const gitIn = (session: string, ...args: string[]) => execFileSync('git', args, { cwd: worktree(session), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const writeIn = (session: string, path: string, text: string) => {
    mkdirSync(dirname(join(worktree(session), path)), { recursive: true });
    writeFileSync(join(worktree(session), path), text);
  };
  return {
    ...repo,
    worktree,
    start: (session) => void repo.git('worktree', 'add', '-q', '-b', `parx/${session}`, worktree(session), 'main'),
    writeIn,
    gitIn,
    commitIn: (session, files, message = `work in ${session}`) => {
      for (const [path, text] of Object.entries(files)) writeIn(session, path, text);
      gitIn(session, 'add', '-A');
      gitIn(session, 'commit', '-q', '-m', message);
    },
    down: (...args) => runParx(['down', ...args], repo.root),
    mainLog: () => repo.git('log', '--format=%s', 'main').trim().split('\n'),
    refs: (prefix) => repo.git('for-each-ref', '--format=%(refname)', prefix).trim().split('\n').filter(Boolean),
  };
}

/** Every commit on a parx/* branch, and every uncommitted or untracked file of every worktree. */
export interface WorkSnapshot {
  commits: string[];
  files: Array<{ session: string; path: string; content: string | null }>;
}

export function snapshotWork(fx: DownFixture, sessions: readonly string[]): WorkSnapshot {
  const commits = fx.git('rev-list', '--branches=parx/*').trim().split('\n').filter(Boolean);
  const files = sessions.flatMap((session) => {
    if (!existsSync(fx.worktree(session))) return [];
    return fx
      .gitIn(session, 'status', '--porcelain', '-z', '-uall', '--no-renames')
      .split('\0')
      .filter((e) => e.length > 3)
      .map((e) => {
        const path = e.slice(3);
        const file = join(fx.worktree(session), path);
        return { session, path, content: existsSync(file) ? readFileSync(file, 'utf8') : null };
      });
  });
  return { commits, files };
}

/**
 * The "nothing is lost" invariant: every commit that was on a parx/* branch is reachable from
 * main or from a parx/* branch, and every uncommitted or untracked file is still in its
 * worktree with its content, or (after --commit-wip) committed with that content.
 */
export function expectNothingLost(fx: DownFixture, before: WorkSnapshot): void {
  const reachable = new Set(fx.git('rev-list', 'main', '--branches=parx/*').trim().split('\n'));
  const lost = before.commits.filter((c) => !reachable.has(c));
  expect(lost, 'commits no longer reachable from main or a parx/* branch').toEqual([]);
  for (const { session, path, content } of before.files) {
    const file = join(fx.worktree(session), path);
    if (existsSync(fx.worktree(session)) && (content === null ? !existsSync(file) : existsSync(file) && readFileSync(file, 'utf8') === content)) continue;
    const committed = [`parx/${session}`, 'main'].some((ref) => {
      try {
        const text = fx.git('show', `${ref}:${path}`);
        return content !== null && text === content;
      } catch {
        return content === null;
      }
    });
    expect(committed, `${session}: ${path} is neither in its worktree nor committed`).toBe(true);
  }
}
