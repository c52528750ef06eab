import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRepo, type TestRepo } from './repo.js';

export const STAND_IN = fileURLToPath(new URL('./stand-in-agent.mjs', import.meta.url));

export interface SessionSpec {
  owns: string[];
  task: string;
  after?: string[];
  agent?: string;
  setup?: string;
  env?: Record<string, string>;
  sandbox?: 'auto' | 'on' | 'off';
  approve?: 'owned' | 'ask';
}

export interface RunFixture extends TestRepo {
  /** Where the stand-in agents record what they received. */
  records: string;
  worktree(session: string): string;
  record(session: string): { argv: string[]; prompt: string; cwd: string; env: Record<string, string> };
  isDone(session: string): boolean;
  starts(session: string): number;
  state(): { tmuxSession: string; sessions: Record<string, { pane: string; worktree: string; promptFile: string; setup: string }> };
}

/** A repository with a parx.config.json whose sessions run the stand-in agent. */
export function createRunFixture(sessions: Record<string, SessionSpec>, extra: Record<string, unknown> = {}, files?: Record<string, string>, name = 'repo'): RunFixture {
  const repo = createRepo(
    files ?? {
      'README.md': '# shop\n',
      'src/auth/login.ts': 'export const login = 1;\n',
      'src/payments/charge.ts': 'export const charge = 1;\n',
      'src/web/index.html': '<title>x</title>\n',
    },
    name,
  );
  const records = join(repo.parent, 'records');
  mkdirSync(records);
  const config = { agent: `'${STAND_IN}'`, env: { STANDIN_RECORD_DIR: records }, ...extra, sessions };
  repo.write('parx.config.json', `${JSON.stringify(config, null, 2)}\n`);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'add parx config');
  const parent = realpathSync(repo.parent);
  return {
    ...repo,
    records,
    worktree: (session) => join(parent, `${name}.parx`, session),
    record: (session) => JSON.parse(readFileSync(join(records, `${session}.json`), 'utf8')),
    isDone: (session) => existsSync(join(records, `${session}.done`)),
    starts: (session) => (existsSync(join(records, `${session}.starts`)) ? readFileSync(join(records, `${session}.starts`), 'utf8').trim().split('\n').length : 0),
    state: () => JSON.parse(readFileSync(join(repo.root, '.git', 'parx', 'state.json'), 'utf8')),
  };
}

/**
 * A folder of fake agent programs named `claude`, `codex` and `gemini` that run the stand-in
 * agent, so that parx treats the sessions as those agents (presets, hooks). Returns the env
 * (PATH) to run parx with.
 */
export function installFakeAgents(run: RunFixture): Record<string, string> {
  const bin = join(run.parent, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of ['claude', 'codex', 'gemini']) {
    writeFileSync(join(bin, name), `#!/bin/sh\nexec "${process.execPath}" "${STAND_IN}" "$@"\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return { PATH: `${bin}:${process.env.PATH}` };
}
