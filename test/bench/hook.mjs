// Benchmark: one `parx hook check-write` decision (process start to exit), as an agent runs it
// on every file-writing tool call: a run of 8 sessions × 5 globs made by a real `parx up`, a
// Claude Code Write payload on stdin, for a path the session owns (allowed) and one it does not
// (denied, with the reason and the event written). Bare `node -e ''` for the floor.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, fmt, git, makeRepo, median, time } from './lib.mjs';

export function benchHook({ runs = 31 } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'parx-bench-hook-'));
  const env = { ...process.env, TMUX_TMPDIR: base };
  delete env.TMUX;
  const repo = join(base, 'repo');
  makeRepo(repo, 400, { sessions: 8 });
  const sessions = Object.fromEntries(
    Array.from({ length: 8 }, (_, s) => [`s${s}`, { owns: [`src/m${s}/**`, `docs/s${s}/**`, `test/m${s}/**/*.ts`, `packages/p${s}/{src,test}/**`, `s${s}.md`], task: 't' }]),
  );
  writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ agent: 'tail -f {promptFile}', worktreeDir: join(base, 'wt'), sessions }));
  time(process.execPath, [PARX, 'up', '--detach'], { cwd: repo, env });
  const worktree = join(base, 'wt', 's0');
  const payload = (file) => JSON.stringify({ hook_event_name: 'PreToolUse', cwd: worktree, tool_name: 'Write', tool_input: { file_path: join(worktree, file), content: 'x' } });
  const decide = (file, expected) => {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [PARX, 'hook', 'check-write'], { cwd: worktree, input: payload(file), env: { ...env, PARX_SESSION: 's0' } });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== expected) throw new Error(`hook exited ${result.status} for ${file}, expected ${expected}: ${result.stderr}`);
    return ms;
  };
  const allowed = [];
  const denied = [];
  const node = [];
  for (let i = 0; i < runs; i++) {
    allowed.push(decide('src/m0/d0/new.ts', 0));
    denied.push(decide('src/m1/d0/f1.ts', 2));
    node.push(time(process.execPath, ['-e', '']));
  }
  spawnSync('tmux', ['kill-server'], { env });
  rmSync(base, { recursive: true, force: true });
  return { allowed: median(allowed), denied: median(denied), node: median(node) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchHook({ runs: Number(process.argv[2] ?? 31) });
  console.log(`hook allow ${fmt(r.allowed)}  deny ${fmt(r.denied)}  (node -e '' ${fmt(r.node)})`);
  void git;
}
