// Benchmark: the guard on 8 worktrees × 5,000 files, each with an ignored node_modules of
// 20,000 files; 500 writes outside ownership spread over the trees, paced 10 ms apart.
// Measures ready time, resident memory, and alert latency from the moment a write returns to
// the moment `parx guard --json` prints the violation. Also `parx check` and `parx status`
// with 1,000 changed files per session, and raw classification throughput.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { PARX, discard, emptyTrash, fmt, git, makeRepo, median, time } from './lib.mjs';

const TREES = 8;

export function makeGuardFixture({ files = 5000, nodeModules = 20000, dir = tmpdir() } = {}) {
  const base = mkdtempSync(join(dir, 'parx-bench-guard-'));
  const repo = join(base, 'repo');
  makeRepo(repo, files, { sessions: TREES });
  writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
  const sessions = Object.fromEntries(Array.from({ length: TREES }, (_, i) => [`s${i}`, { owns: [`src/m${i}/**`], task: 't' }]));
  writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ worktreeDir: join(base, 'wt'), sessions }));
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit', '-q', '-m', 'config');
  for (let i = 0; i < TREES; i++) {
    const wt = join(base, 'wt', `s${i}`);
    git(repo, 'worktree', 'add', '--quiet', '-b', `parx/s${i}`, wt, 'main');
    for (let f = 0; f < nodeModules; f++) {
      const d = join(wt, 'node_modules', `pkg${f % 400}`, 'lib');
      if (f < 400) mkdirSync(d, { recursive: true });
      writeFileSync(join(d, `m${f}.js`), 'module.exports = 1;\n');
    }
  }
  return { base, repo, worktree: (i) => join(base, 'wt', `s${i}`) };
}

function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Starts the guard, waits for ready, makes the writes, collects latencies. */
export async function benchGuardRun(fixture, { watcher = 'fs', writes = 500, paceMs = 10, tag = 'w' } = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, [PARX, 'guard', '--json'], {
    cwd: fixture.repo,
    env: { ...process.env, PARX_WATCHER: watcher },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const waiting = new Map();
  let readyAt;
  let onReady;
  const ready = new Promise((r) => (onReady = r));
  let rest = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    const now = performance.now();
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      const event = JSON.parse(line);
      if (event.type === 'ready') {
        readyAt = now;
        onReady();
      } else if (event.type === 'violation' && waiting.has(event.path)) {
        waiting.get(event.path).received = now;
      }
    }
  });
  await ready;
  const readyMs = readyAt - started;
  const memoryAtReady = rssOf(child.pid);
  const records = [];
  for (let i = 0; i < writes; i++) {
    const path = `outside/${tag}-${i}.txt`;
    const file = join(fixture.worktree(i % TREES), path);
    if (i < TREES) mkdirSync(join(fixture.worktree(i % TREES), 'outside'), { recursive: true });
    const record = { path, written: 0, received: 0 };
    waiting.set(path, record);
    writeFileSync(file, `${i}\n`);
    record.written = performance.now();
    records.push(record);
    await new Promise((r) => setTimeout(r, paceMs));
  }
  const deadline = Date.now() + 5000;
  while (records.some((r) => !r.received) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const memoryAfter = rssOf(child.pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  const latencies = records
    .filter((r) => r.received)
    .map((r) => r.received - r.written)
    .sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    readyMs,
    rssMb: memoryAtReady.rss,
    peakMb: memoryAfter.peak,
    p50: pct(50),
    p90: pct(90),
    p95: pct(95),
    p99: pct(99),
    max: latencies.at(-1),
    missed: records.length - latencies.length,
  };
}

/** 1,000 changed files per session (half committed, half untracked), then check and status. */
export function benchCheck(fixture, { runs = 5 } = {}) {
  for (let i = 0; i < TREES; i++) {
    const wt = fixture.worktree(i);
    mkdirSync(join(wt, 'gen'), { recursive: true });
    for (let f = 0; f < 1000; f++) writeFileSync(join(wt, 'gen', `f${f}.ts`), `${f}\n`);
    git(wt, 'add', 'gen');
    git(wt, '-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit', '-q', '-m', 'gen');
    for (let f = 0; f < 500; f++) writeFileSync(join(wt, 'gen', `f${f}.ts`), `changed ${f}\n`);
  }
  const timed = (args) =>
    median(
      Array.from({ length: runs }, () => {
        const started = performance.now();
        spawnOk(args, fixture.repo);
        return performance.now() - started;
      }),
    );
  return { check: timed(['check', '--json']), status: timed(['status', '--json']) };
}

function spawnOk(args, cwd) {
  try {
    time(process.execPath, [PARX, ...args], { cwd });
  } catch (error) {
    // `check` exits 1 when it finds violations: that is a result, not a failure.
    if (!/failed \(1\)/.test(error.message)) throw error;
  }
}

/** Paths classified per second against 8 sessions × 5 globs (the compiled core, in process). */
export async function benchClassify({ paths = 1_000_000 } = {}) {
  const out = join(mkdtempSync(join(tmpdir(), 'parx-bench-core-')), 'ownership.mjs');
  await build({
    entryPoints: [new URL('../../src/core/ownership.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: out,
    logLevel: 'error',
  });
  const { createOwnership } = await import(out);
  const sessions = Array.from({ length: 8 }, (_, s) => ({
    name: `s${s}`,
    owns: [`packages/p${s}/**`, `packages/p${s + 8}/src/**/*.ts`, `packages/p${s + 16}/src/d1/*`, `packages/p${s + 24}/{src,test}/d2/**`, `docs/s${s}.md`],
  }));
  const ownership = createOwnership(sessions, ['package-lock.json', '**/*.snap']);
  const list = Array.from({ length: paths }, (_, i) => `packages/p${i % 40}/src/d${i % 25}/sub${i % 7}/f${i}.${i % 3 ? 'ts' : 'md'}`);
  const rates = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    let trespass = 0;
    for (let i = 0; i < list.length; i++) if (ownership.classify(`s${(i + 1) % 8}`, list[i]).kind === 'trespass') trespass++;
    rates.push(list.length / ((performance.now() - started) / 1000));
    if (trespass === 0) throw new Error('classification found nothing: the benchmark is broken');
  }
  rmSync(out, { force: true });
  return { pathsPerSecond: median(rates) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fixture = makeGuardFixture();
  const watchers = process.argv[2] ? process.argv[2].split(',') : ['fs', 'chokidar'];
  for (const watcher of watchers) console.log(watcher, await benchGuardRun(fixture, { watcher, tag: watcher }));
  for (const watcher of watchers) console.log(watcher, await benchGuardRun(fixture, { watcher, tag: `${watcher}2` }));
  console.log(benchCheck(fixture));
  console.log(await benchClassify());
  discard(fixture.base);
  emptyTrash();
  void fmt;
}
