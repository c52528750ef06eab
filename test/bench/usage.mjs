// Benchmark: usage and budgets. A run of 8 Claude Code sessions (a stand-in `claude`), each with a
// transcript in ~/.claude/projects: 50 MB for s0, 5 MB for the others, every line an assistant
// message with its usage, as Claude Code writes them.
//   - the hook's decision with usage tracking (a budget, the session's pause file in place) against
//     the same decision without (alternating): the hook reads one small file of parx's, never a
//     transcript;
//   - `parx status` with the 8 sessions' usage: the first one (reading every transcript from the
//     start) and then the median of the next ones (reading only what was added: 100 lines each).
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, fmt, makeRepo, median, pairedRatio, time } from './lib.mjs';

const line = (i) =>
  `${JSON.stringify({ type: 'assistant', message: { id: `msg_${i}`, content: [{ type: 'text', text: 'x'.repeat(900) }], usage: { input_tokens: 100, output_tokens: 10, cache_read_input_tokens: 5 } } })}\n`;

function writeTranscript(file, megabytes) {
  const chunk = Array.from({ length: 1000 }, (_, i) => line(i)).join('');
  writeFileSync(file, '');
  for (let written = 0; written < megabytes * 1024 * 1024; written += chunk.length) appendFileSync(file, chunk);
}

export function benchUsage({ runs = 21 } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'parx-bench-usage-'));
  const home = join(base, 'home');
  const bin = join(base, 'bin');
  mkdirSync(bin);
  mkdirSync(home);
  writeFileSync(join(bin, 'claude'), '#!/bin/sh\nexec tail -f /dev/null\n');
  chmodSync(join(bin, 'claude'), 0o755);
  const env = { ...process.env, HOME: home, TMUX_TMPDIR: base, PATH: `${bin}:${process.env.PATH}` };
  delete env.TMUX;
  const repo = join(base, 'repo');
  makeRepo(repo, 400, { sessions: 8 });
  const sessions = Object.fromEntries(Array.from({ length: 8 }, (_, s) => [`s${s}`, { owns: [`src/m${s}/**`], task: 't' }]));
  writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ agent: 'claude', worktreeDir: join(base, 'wt'), budget: { tokens: 1e12 }, sessions }));
  time(process.execPath, [PARX, 'up', '--detach'], { cwd: repo, env });
  const transcripts = Array.from({ length: 8 }, (_, s) => {
    const dir = join(home, '.claude', 'projects', join(base, 'wt', `s${s}`).replace(/[^A-Za-z0-9]/g, '-'));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'session.jsonl');
    writeTranscript(file, s === 0 ? 50 : 5);
    return file;
  });

  const status = () => time(process.execPath, [PARX, 'status', '--json'], { cwd: repo, env });
  const firstStatus = status();
  const statuses = [];
  for (let i = 0; i < Math.min(runs, 11); i++) {
    for (const file of transcripts) appendFileSync(file, Array.from({ length: 100 }, (_, j) => line(1e6 + i * 100 + j)).join(''));
    statuses.push(status());
  }

  const settings = JSON.parse(readFileSync(join(repo, '.git', 'parx', 'hooks', 's0.claude.json'), 'utf8'));
  const command = settings.hooks.PreToolUse[0].hooks[0].command;
  const worktree = join(base, 'wt', 's0');
  const payload = JSON.stringify({
    hook_event_name: 'PreToolUse',
    cwd: worktree,
    tool_name: 'Write',
    tool_input: { file_path: join(worktree, 'src/m0/new.ts'), content: 'x' },
  });
  const decide = () => {
    const started = process.hrtime.bigint();
    const result = spawnSync('sh', ['-c', command], { cwd: worktree, input: payload, env });
    if (result.status !== 0) throw new Error(`hook exited ${result.status}: ${result.stderr}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const pauseFile = join(repo, '.git', 'parx', 'budget', 's0.json');
  const pause = readFileSync(pauseFile, 'utf8');
  const tracked = [];
  const untracked = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? ['off', 'on'] : ['on', 'off'];
    for (const side of order) {
      if (side === 'on') {
        writeFileSync(pauseFile, pause);
        tracked.push(decide());
      } else {
        rmSync(pauseFile, { force: true });
        untracked.push(decide());
      }
    }
  }
  writeFileSync(pauseFile, pause);
  spawnSync('tmux', ['kill-server'], { env });
  rmSync(base, { recursive: true, force: true });
  return {
    firstStatus,
    status: median(statuses),
    hookTracked: median(tracked),
    hookUntracked: median(untracked),
    hookDelta: median(tracked.map((t, i) => t - untracked[i])),
    hookRatio: pairedRatio(tracked, untracked),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchUsage({ runs: Number(process.argv[2] ?? 21) });
  console.log(
    `status with 8 sessions' usage: first ${fmt(r.firstStatus)} (reads 85 MB of transcripts), then ${fmt(r.status)} median; hook with usage tracking ${fmt(r.hookTracked)} vs without ${fmt(r.hookUntracked)} (median difference ${r.hookDelta.toFixed(1)} ms)`,
  );
}
