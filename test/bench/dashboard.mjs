// Benchmark: `parx status --watch` in a real tmux pane (80×24). Latency: from an agent's state
// change (its hook writing agents/<s>/state.json, as Claude's Stop hook does) to the pane
// showing it, read with capture-pane every 5 ms. Idle CPU: the dashboard process's user+system
// time over 10 s with nothing happening, from /proc.
//   node test/bench/dashboard.mjs [events]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, fmt, makeRepo, median } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function benchDashboard({ events = 41 } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'parx-bench-dash-'));
  const env = { ...process.env, TMUX_TMPDIR: base };
  delete env.TMUX;
  const repo = join(base, 'repo');
  makeRepo(repo, 200, { sessions: 4 });
  const sessions = Object.fromEntries(
    Array.from({ length: 4 }, (_, i) => [`s${i}`, { owns: [`src/m${i}/**`], task: `task ${i}`, agent: 'sh -c "sleep 600"' }]),
  );
  writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ worktreeDir: join(base, 'wt'), guard: { sandbox: 'off' }, sessions }));
  execFileSync(process.execPath, [PARX, 'up', '--detach'], { cwd: repo, env, stdio: 'ignore' });
  const tmux = (...args) => execFileSync('tmux', args, { env, encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 'dash', '-x', '80', '-y', '24', '-c', repo, process.execPath, PARX, 'status', '--watch');
  const screen = () => tmux('capture-pane', '-p', '-t', 'dash');
  while (!/s3\s+working/.test(screen())) await sleep(20);
  const stateFile = join(repo, '.git', 'parx', 'agents', 's0', 'state.json');
  const latencies = [];
  for (let i = 0; i < events; i++) {
    const state = i % 2 === 0 ? 'waiting' : 'working';
    const t = performance.now();
    writeFileSync(stateFile, `${JSON.stringify({ state, time: new Date().toISOString(), source: 'hook' })}\n`);
    const shown = state === 'waiting' ? /s0\s+waiting \d\d:\d\d/ : /s0\s+working/;
    while (!shown.test(screen())) await sleep(5);
    latencies.push(performance.now() - t);
    await sleep(150);
  }
  const pid = Number(tmux('display-message', '-p', '-t', 'dash', '#{pane_pid}').trim());
  const cpu = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks
  };
  await sleep(1000);
  const before = cpu();
  await sleep(10_000);
  const idleShare = (cpu() - before) / 100 / 10; // ticks of 10 ms, over 10 s: share of one core
  try {
    execFileSync('tmux', ['kill-server'], { env, stdio: 'ignore' });
  } catch {
    // no server
  }
  rmSync(base, { recursive: true, force: true });
  const sorted = [...latencies].sort((a, b) => a - b);
  return { median: median(latencies), p99: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)], idleShare };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchDashboard({ events: Number(process.argv[2] ?? 41) });
  console.log(`dashboard: update after an event median ${fmt(r.median)}, p99 ${fmt(r.p99)}; idle CPU ${(r.idleShare * 100).toFixed(2)}% of a core`);
}
