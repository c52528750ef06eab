import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { runParx, type CliResult } from './parx.js';
import { createRepo, type TestRepo } from './repo.js';

/**
 * The one fixture of the end-to-end tests: a repository with a committed parx.config.json, and
 * the helpers every test needs around it (a session's worktree, writing and committing in it,
 * the run's events). createRunFixture runs the stand-in agent through `parx up`;
 * createDownFixture makes the sessions' branches and worktrees as `up` would, without tmux.
 */

export const STAND_IN = fileURLToPath(new URL('./stand-in-agent.mjs', import.meta.url));

export interface ProjectFixture extends TestRepo {
  /** Where `parx up` puts a session's worktree (`worktreeDir` left at its default). */
  worktree(session: string): string;
  writeIn(session: string, path: string, text: string): void;
  /** Writes the files in the session's worktree and commits them on its branch. */
  commitIn(session: string, files: Record<string, string>, message?: string): void;
  gitIn(session: string, ...args: string[]): string;
  /** The run's events.jsonl, parsed (none before the first event), optionally of one type. */
  events(type?: string): RunEventLine[];
}

export interface RunEventLine {
  type: string;
  session?: string;
  path?: string;
  [key: string]: unknown;
}

/** The events.jsonl of the repository at `root`, parsed (empty before the first event). */
export function readEvents<T extends object = RunEventLine>(root: string, type?: string): T[] {
  const file = join(root, '.git', 'parx', 'events.jsonl');
  if (!existsSync(file)) return [];
  const events = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RunEventLine);
  return (type ? events.filter((e) => e.type === type) : events) as T[];
}

/** `config` is given the folder that holds the repository (for files the test keeps beside it). */
function createProject(files: Record<string, string>, config: (parent: string) => Record<string, unknown>, name: string): ProjectFixture {
  const repo = createRepo(files, name);
  repo.write('parx.config.json', `${JSON.stringify(config(repo.parent), null, 2)}\n`);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'add parx config');
  const parent = realpathSync(repo.parent);
  const worktree = (session: string) => join(parent, `${name}.parx`, session);
  const gitIn = (session: string, ...args: string[]) =>
    execFileSync('git', args, { cwd: worktree(session), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const writeIn = (session: string, path: string, text: string) => {
    mkdirSync(dirname(join(worktree(session), path)), { recursive: true });
    writeFileSync(join(worktree(session), path), text);
  };
  return {
    ...repo,
    worktree,
    writeIn,
    gitIn,
    commitIn: (session, files, message = `work in ${session}`) => {
      for (const [path, text] of Object.entries(files)) writeIn(session, path, text);
      gitIn(session, 'add', '-A');
      gitIn(session, 'commit', '-q', '-m', message);
    },
    events: (type) => readEvents(repo.root, type),
  };
}

export interface SessionSpec {
  owns: string[];
  task: string;
  after?: string[];
  agent?: string;
  setup?: string;
  env?: Record<string, string>;
  sandbox?: 'auto' | 'on' | 'off';
  approve?: 'owned' | 'ask';
  budget?: { usd?: number; tokens?: number };
}

export interface RunFixture extends ProjectFixture {
  /** Where the stand-in agents record what they received. */
  records: string;
  record(session: string): { argv: string[]; prompt: string; cwd: string; env: Record<string, string> };
  isDone(session: string): boolean;
  starts(session: string): number;
  state(): {
    tmuxSession: string;
    sessions: Record<string, { pane: string; worktree: string; promptFile: string; setup: string; command: string[]; sandboxNotes?: string[] }>;
  };
}

/** A repository with a parx.config.json whose sessions run the stand-in agent. */
export function createRunFixture(
  sessions: Record<string, SessionSpec>,
  extra: Record<string, unknown> = {},
  files?: Record<string, string>,
  name = 'repo',
): RunFixture {
  const defaults = {
    'README.md': '# shop\n',
    'src/auth/login.ts': 'export const login = 1;\n',
    'src/payments/charge.ts': 'export const charge = 1;\n',
    'src/web/index.html': '<title>x</title>\n',
  };
  const project = createProject(
    files ?? defaults,
    (parent) => ({ agent: `'${STAND_IN}'`, env: { STANDIN_RECORD_DIR: join(parent, 'records') }, ...extra, sessions }),
    name,
  );
  const records = join(project.parent, 'records');
  mkdirSync(records);
  return {
    ...project,
    records,
    record: (session) => JSON.parse(readFileSync(join(records, `${session}.json`), 'utf8')),
    // Done: the stand-in finished, and its commits are in the shared object store (a sandboxed
    // session writes objects to a folder of its own, which the guard drains a moment later).
    isDone: (session) => existsSync(join(records, `${session}.done`)) && hasCommitObject(project, `parx/${session}`),
    starts: (session) =>
      existsSync(join(records, `${session}.starts`))
        ? readFileSync(join(records, `${session}.starts`), 'utf8')
            .trim()
            .split('\n').length
        : 0,
    state: () => JSON.parse(readFileSync(join(project.root, '.git', 'parx', 'state.json'), 'utf8')),
  };
}

/**
 * Whether plain git can read the commit `ref` names (true too when the ref is not there): a
 * sandboxed session's new objects reach the shared store a moment after it commits.
 */
export function hasCommitObject(repo: TestRepo, ref: string): boolean {
  try {
    const tip = repo.git('for-each-ref', '--format=%(objectname)', `refs/heads/${ref}`).trim();
    if (tip === '') return true;
    repo.git('cat-file', '-e', `${tip}^{commit}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * A folder of fake agent programs named `claude`, `codex`, `gemini` and `agy` that run the stand-in
 * agent, so that parx treats the sessions as those agents (presets, hooks). Returns the env
 * (PATH) to run parx with.
 */
export function installFakeAgents(run: RunFixture): Record<string, string> {
  const bin = join(run.parent, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of ['claude', 'codex', 'gemini', 'agy']) {
    writeFileSync(join(bin, name), `#!/bin/sh\nexec "${process.execPath}" "${STAND_IN}" "$@"\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return { PATH: `${bin}:${process.env.PATH}` };
}

/**
 * A repository with sessions made the way `parx up` makes them (branch parx/<name> and a
 * worktree in ../repo.parx/<name>), without tmux: most `parx down` scenarios are about git.
 */
export interface DownFixture extends ProjectFixture {
  start(session: string): void;
  down(...args: string[]): Promise<CliResult>;
  /** Subjects of the commits on main, newest first. */
  mainLog(): string[];
  refs(prefix: string): string[];
}

export function createDownFixture(sessions: Record<string, { owns: string[]; after?: string[] }>, extra: Record<string, unknown> = {}): DownFixture {
  const config = { agent: 'shell', ...extra, sessions: Object.fromEntries(Object.entries(sessions).map(([n, s]) => [n, { task: `Do ${n}.`, ...s }])) };
  const repo = createProject({ 'README.md': '# shop\n', 'src/shared/db.ts': 'export const db = 1;\n' }, () => config, 'repo');
  return {
    ...repo,
    start: (session) => void repo.git('worktree', 'add', '-q', '-b', `parx/${session}`, repo.worktree(session), 'main'),
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
