// `npm run bench`: every performance target of parx, measured on this machine, medians only.
//   node test/bench/run.mjs [runs]      (runs of each `up` comparison, default 5)
import { benchPlan, benchVersion } from './plan.mjs';
import { benchUp } from './up.mjs';
import { fmt, report } from './lib.mjs';

const runs = Number(process.argv[2] ?? 5);
const rows = [['measure', 'median', 'target', 'ok']];
const add = (name, value, target, ok) => {
  rows.push([name, value, target, ok ? 'yes' : 'NO']);
  console.error(`  ${name}: ${value}`);
};

console.error('parx --version …');
const version = benchVersion();
add('parx --version (wall)', fmt(version.median), '≤ 150 ms', version.median <= 150);

console.error('parx plan on 100,000 tracked files, 8 sessions × 5 globs …');
const plan = benchPlan();
add('parx plan, 100k files', fmt(plan.median), '≤ 1 s', plan.median <= 1000);

console.error(`parx up vs hand script, 8 worktrees of 5,000 files, no setup (${runs} alternating runs) …`);
const plain = benchUp({ runs });
add('up, no setup: parx', fmt(plain.parx), '', true);
add('up, no setup: hand script', fmt(plain.hand), '', true);
add('up, no setup: parx / hand', (plain.parx / plain.hand).toFixed(2), '≤ 1.10', plain.parx / plain.hand <= 1.1);

console.error(`parx up vs hand script, setup = sleep 1 (${runs} alternating runs) …`);
const setup = benchUp({ runs, setupCommand: 'sleep 1' });
add('up, 1 s setup: parx', fmt(setup.parx), '', true);
add('up, 1 s setup: hand script', fmt(setup.hand), '', true);
add('up, 1 s setup: parx / hand', (setup.parx / setup.hand).toFixed(2), '≤ 0.50', setup.parx / setup.hand <= 0.5);
// With creation serialized (SPEC) the best possible is 8C + S against 8(C + S),
// where C is one worktree's creation time, estimated from the no-setup hand runs.
const c = plain.hand / 8;
add('up, 1 s setup: best possible ratio', ((8 * c + 1000) / (8 * (c + 1000))).toFixed(2), '(C ≈ ' + fmt(c) + ' per worktree)', true);

console.log();
report(rows);
console.log(`\nraw (ms): up no setup parx ${plain.parxTimes.map(Math.round)} hand ${plain.handTimes.map(Math.round)}`);
console.log(`raw (ms): up 1 s setup parx ${setup.parxTimes.map(Math.round)} hand ${setup.handTimes.map(Math.round)}`);
