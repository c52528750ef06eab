// `npm run bench`: every performance target of parx, measured on this machine, medians only.
//   node test/bench/run.mjs [runs] [--monorepo]
//   runs: of each `up` comparison (default 5); --monorepo adds the guard on 8 × 50,000 files.
import { existsSync, rmSync } from 'node:fs';
import { benchCheck, benchClassify, benchGuardRun, makeGuardFixture } from './guard.mjs';
import { benchPlan, benchVersion } from './plan.mjs';
import { benchUp } from './up.mjs';
import { benchDown } from './down.mjs';
import { benchIntegrate } from './integrate.mjs';
import { benchHook } from './hook.mjs';
import { benchSandboxStart } from './sandbox.mjs';
import { benchDashboard } from './dashboard.mjs';
import { fmt, report } from './lib.mjs';

const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 5);
const monorepo = process.argv.includes('--monorepo');
const rows = [['measure', 'median', 'target', 'ok']];
const add = (name, value, target, ok) => {
  rows.push([name, value, target, ok ? 'yes' : 'NO']);
  console.error(`  ${name}: ${value}`);
};

console.error('parx --version …');
const version = benchVersion();
add('parx --version (wall)', fmt(version.median), '≤ 150 ms', version.median <= 150);

console.error('parx hook check-write: one decision, process start to exit …');
const hook = benchHook();
add('hook decision, allowed write', fmt(hook.allowed), '≤ 80 ms', hook.allowed <= 80);
add('hook decision, denied write', fmt(hook.denied), '≤ 80 ms', hook.denied <= 80);
add("(node -e '' on this machine, the floor)", fmt(hook.node), 'for comparison', true);

console.error('parx plan on 100,000 tracked files, 8 sessions × 5 globs …');
const plan = benchPlan();
add('parx plan, 100k files', fmt(plan.median), '≤ 1 s', plan.median <= 1000);

console.error(`parx up vs hand script, 8 worktrees of 5,000 files, no setup (${runs} alternating runs) …`);
const plain = benchUp({ runs });
add('up, no setup: parx', fmt(plain.parx), '', true);
add('up, no setup: hand script', fmt(plain.hand), '', true);
add('up, no setup: parx / hand (median of pairs)', plain.ratio.toFixed(2), '≤ 1.10', plain.ratio <= 1.1);

console.error(`parx up vs hand script, setup = sleep 1 (${runs} alternating runs) …`);
const setup = benchUp({ runs, setupCommand: 'sleep 1' });
add('up, 1 s setup: parx', fmt(setup.parx), '', true);
add('up, 1 s setup: hand script', fmt(setup.hand), '', true);
add('up, 1 s setup: parx / hand (median of pairs)', setup.ratio.toFixed(2), '≤ 0.50', setup.ratio <= 0.5);
// With creation serialized (SPEC) the best possible is 8C + S against 8(C + S),
// where C is one worktree's creation time, estimated from the no-setup hand runs.
const c = plain.hand / 8;
add('up, 1 s setup: best possible ratio', ((8 * c + 1000) / (8 * (c + 1000))).toFixed(2), '(C ≈ ' + fmt(c) + ' per worktree)', true);

console.error('parx status --watch in an 80×24 tmux pane: 41 state changes, then 10 s idle …');
const dash = await benchDashboard({ events: 41 });
add('dashboard: update after an event (median)', fmt(dash.median), '≤ 1 s', dash.median <= 1000);
add('dashboard: update after an event (p99)', fmt(dash.p99), '≤ 1 s', dash.p99 <= 1000);
add('dashboard: CPU while idle', `${(dash.idleShare * 100).toFixed(2)}% of a core`, '≤ 1%', dash.idleShare <= 0.01);

console.error('OS sandbox: an agent pane\'s start, sandboxed vs not (41 alternating pairs) …');
const start = benchSandboxStart({ runs: 41 });
add('sandbox: pane start, extra (median of pairs)', `${start.extra.toFixed(1)} ms`, '≤ 30 ms', start.extra <= 30);

// On tmpfs when there is one: the disk's drift (seconds per checkout) would swamp a few ms.
const shm = existsSync('/dev/shm') ? '/dev/shm' : undefined;
console.error(`parx up, 8 sessions × 5,000 files sandboxed vs guard.sandbox: off, ${shm ?? 'disk'} (${runs} alternating runs) …`);
const sandboxedUp = benchUp({ runs, against: 'unsandboxed', ...(shm && { dir: shm }) });
add('up: sandboxed', fmt(sandboxedUp.parx), '', true);
add('up: sandbox off', fmt(sandboxedUp.hand), '', true);
add('up: sandboxed / off (median of pairs)', sandboxedUp.ratio.toFixed(2), '≤ 1.05', sandboxedUp.ratio <= 1.05);

console.error(`parx down vs hand script, 8 sessions × 20 commits on 5,000 files (${runs} alternating runs) …`);
const down = benchDown({ runs });
add('down: parx', fmt(down.parx), '', true);
add('down: hand script (merge --no-ff, worktree remove, branch -d)', fmt(down.hand), '', true);
add('down: parx / hand (median of pairs)', down.ratio.toFixed(2), '≤ 1.50', down.ratio <= 1.5);

console.error(`parx integrate, 8 sessions × 20 commits on 5,000 files, verify = 1 s (${runs} runs) …`);
const integ = benchIntegrate({ runs });
add('integrate: merges only (no verify)', fmt(integ.merges), '', true);
add('integrate: one verify run (checkout + 1 s verify)', fmt(integ.verify), '', true);
add('integrate, all integrate: total / (merges + 1 verify run)', `${fmt(integ.ok)} / ${fmt(integ.okBudget)} = ${(integ.ok / integ.okBudget).toFixed(3)}`, '≤ 1.05', integ.ok / integ.okBudget <= 1.05);
add(`integrate, s5 breaks: total / (merges + 4 verify runs); ran ${integ.runsOnFailure}`, `${fmt(integ.bad)} / ${fmt(integ.badBudget)} = ${(integ.bad / integ.badBudget).toFixed(3)}`, '≤ 1.05, ≤ 4 runs', integ.bad / integ.badBudget <= 1.05 && integ.runsOnFailure <= 4);

console.error('guard on 8 worktrees × 5,000 files + 20,000 ignored each, 500 writes …');
const fixture = makeGuardFixture();
const guards = {};
for (const watcher of ['fs', 'chokidar']) guards[watcher] = await benchGuardRun(fixture, { watcher, tag: watcher });
const g = guards.fs;
add('guard ready', fmt(g.readyMs), '≤ 1 s', g.readyMs <= 1000);
add('guard resident memory', `${g.rssMb.toFixed(0)} MB (peak ${g.peakMb.toFixed(0)})`, '≤ 150 MB', g.peakMb <= 150);
add('guard alert p50 / p99', `${g.p50.toFixed(1)} / ${g.p99.toFixed(1)} ms`, '≤ 10 / 25 ms', g.p50 <= 10 && g.p99 <= 25);
add('guard missed events', String(g.missed), '0', g.missed === 0);
const ck = guards.chokidar;
add('(chokidar 5, same load) ready · memory · p50/p99', `${fmt(ck.readyMs)} · ${ck.peakMb.toFixed(0)} MB · ${ck.p50.toFixed(1)}/${ck.p99.toFixed(1)} ms`, 'for comparison', true);
console.error('parx check and status, 8 sessions × 1,000 changed files …');
const checked = benchCheck(fixture);
add('parx check, 8 × 1,000 changed', fmt(checked.check), '≤ 1 s', checked.check <= 1000);
add('parx status, same', fmt(checked.status), '< 1 s', checked.status < 1000);
rmSync(fixture.base, { recursive: true, force: true });
console.error('classification throughput …');
const classify = await benchClassify();
add('classification, 8 sessions × 5 globs', `${(classify.pathsPerSecond / 1e6).toFixed(2)} M paths/s`, '≥ 1 M/s', classify.pathsPerSecond >= 1e6);

if (monorepo) {
  console.error('guard on 8 worktrees × 50,000 files …');
  const big = makeGuardFixture({ files: 50_000, nodeModules: 0 });
  const m = await benchGuardRun(big, { tag: 'mono' });
  add('guard, 8 × 50,000 files: ready · peak memory', `${fmt(m.readyMs)} · ${m.peakMb.toFixed(0)} MB`, '≤ 1 GB', m.peakMb <= 1024);
  rmSync(big.base, { recursive: true, force: true });
}

console.log();
report(rows);
console.log(`\nraw (ms): up no setup parx ${plain.parxTimes.map(Math.round)} hand ${plain.handTimes.map(Math.round)}`);
console.log(`raw (ms): up 1 s setup parx ${setup.parxTimes.map(Math.round)} hand ${setup.handTimes.map(Math.round)}`);
