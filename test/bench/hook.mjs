// Benchmark: one `parx hook check-write` decision, process start to exit, exactly as Claude Code
// runs it: the PreToolUse command from the settings `parx up` wrote, through `sh -c`, with a
// Write payload on stdin. A run of 8 sessions × 5 globs made by a real `parx up` (with a stand-in
// `claude`); an allowed write and a denied one (reason and event written). `node -e ''` with
// this machine's environment is shown as the floor.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, fmt, makeRepo, median, time } from './lib.mjs';

export function benchHook({ runs = 31 } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'parx-bench-hook-'));
  const bin = join(base, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'claude'), '#!/bin/sh\nexec tail -f /dev/null\n');
  chmodSync(join(bin, 'claude'), 0o755);
  const env = { ...process.env, TMUX_TMPDIR: base, PATH: `${bin}:${process.env.PATH}` };
  delete env.TMUX;
  const repo = join(base, 'repo');
  makeRepo(repo, 400, { sessions: 8 });
  const sessions = Object.fromEntries(
    Array.from({ length: 8 }, (_, s) => [
      `s${s}`,
      { owns: [`src/m${s}/**`, `docs/s${s}/**`, `test/m${s}/**/*.ts`, `packages/p${s}/{src,test}/**`, `s${s}.md`], task: 't' },
    ]),
  );
  writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ agent: 'claude', worktreeDir: join(base, 'wt'), sessions }));
  time(process.execPath, [PARX, 'up', '--detach'], { cwd: repo, env });
  const settings = JSON.parse(readFileSync(join(repo, '.git', 'parx', 'hooks', 's0.claude.json'), 'utf8'));
  const command = settings.hooks.PreToolUse[0].hooks[0].command;
  const worktree = join(base, 'wt', 's0');
  const payload = (file) =>
    JSON.stringify({ hook_event_name: 'PreToolUse', cwd: worktree, tool_name: 'Write', tool_input: { file_path: join(worktree, file), content: 'x' } });
  const decide = (file, expected) => {
    const started = process.hrtime.bigint();
    const result = spawnSync('sh', ['-c', command], { cwd: worktree, input: payload(file), env });
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
}
