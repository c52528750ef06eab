// Benchmark: `parx down` of 8 sessions × 20 commits (disjoint files) on a 5,000-file
// repository against a plain shell script doing `git merge --no-ff` + `git worktree remove`
// + `git branch -d` for each, alternating in one run, each from the same starting point.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, discard, emptyTrash, fmt, git, makeRepo, median, pairedRatio, time } from './lib.mjs';

const COMMITS = 20;
const HAND_SCRIPT = `#!/bin/sh
# What a person would type to land n branches and clean up after them.
set -e
repo=$1; wt=$2; n=$3
cd "$repo"
i=0
while [ $i -lt $n ]; do
  git merge --quiet --no-ff -m "merge s$i" "parx/s$i"
  git worktree remove "$wt/s$i"
  git branch --quiet -d "parx/s$i"
  i=$((i + 1))
done
`;

/**
 * The sessions' work, made once with `git fast-import` under refs/bench/: session i changes
 * 20 files of its own module, one commit each. Each run starts from branches at those tips.
 */
function makeSessionWork(repo, SESSIONS) {
  const main = git(repo, 'rev-parse', 'main').trim();
  let stream = '';
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  for (let s = 0; s < SESSIONS; s++) {
    for (let c = 0; c < COMMITS; c++) {
      const file = s + SESSIONS * c; // makeRepo puts file n in module n % 8
      stream += `commit refs/bench/s${s}\ncommitter bench <bench@parx.invalid> ${1_700_000_000 + c} +0000\n${data(`s${s}: change ${c}`)}`;
      if (c === 0) stream += `from ${main}\n`;
      stream += `M 100644 inline src/m${s}/d${Math.floor(file / 100) % 10}/f${file}.ts\n${data(`export const v${file} = -${file};\n`)}`;
    }
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo, input: stream });
}

/**
 * `sessions` sessions × 20 commits; with `inspect`, `parx status --json` and `parx check` are
 * also timed on the run before each of parx's `down`s.
 */
export function benchDown({ runs = 5, files = 5000, dir = tmpdir(), sessions: SESSIONS = 8, inspect = false } = {}) {
  const base = mkdtempSync(join(dir, 'parx-bench-down-'));
  const env = {
    ...process.env,
    TMUX_TMPDIR: base,
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@parx.invalid',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@parx.invalid',
  };
  delete env.TMUX;
  const repo = join(base, 'repo');
  const wt = join(base, 'wt');
  makeRepo(repo, files, { sessions: SESSIONS });
  const sessions = Object.fromEntries(Array.from({ length: SESSIONS }, (_, i) => [`s${i}`, { owns: [`src/m${i}/**`], task: `task ${i}` }]));
  writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ agent: 'shell', worktreeDir: wt, sessions }));
  writeFileSync(join(repo, '.gitignore'), 'trash/\n');
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit', '-q', '-m', 'config');
  const start = git(repo, 'rev-parse', 'main').trim();
  makeSessionWork(repo, SESSIONS);
  const script = join(base, 'hand.sh');
  writeFileSync(script, HAND_SCRIPT, { mode: 0o755 });

  // Untimed before each run: main back at the start, 8 worktrees on branches with the work.
  const prepare = () => {
    if (existsSync(wt)) discard(wt); // a failed run's leftovers
    git(repo, 'worktree', 'prune');
    git(repo, 'reset', '--quiet', '--hard', start);
    const refs = git(repo, 'for-each-ref', '--format=delete %(refname)', 'refs/heads/parx/', 'refs/parx/');
    execFileSync('git', ['update-ref', '--stdin'], { cwd: repo, input: refs });
    rmSync(join(repo, '.git', 'parx'), { recursive: true, force: true });
    // Registered one by one, filled side by side (as parx up does): it is untimed, only slow.
    for (let s = 0; s < SESSIONS; s++) git(repo, 'worktree', 'add', '--quiet', '--no-checkout', '-b', `parx/s${s}`, join(wt, `s${s}`), `refs/bench/s${s}`);
    execFileSync('sh', ['-c', `for s in $(seq 0 ${SESSIONS - 1}); do git -C "${wt}/s$s" read-tree -u --reset HEAD & done; wait`]);
    execFileSync('sync');
  };
  const verifyLanded = () => {
    const merged = git(repo, 'log', '--first-parent', '--format=%s', 'main')
      .split('\n')
      .filter((s) => /merge s\d/.test(s));
    if (merged.length !== SESSIONS || existsSync(join(wt, 's0'))) throw new Error('a run did not merge and clean up every session');
  };

  const parxTimes = [];
  const handTimes = [];
  const statusTimes = [];
  const checkTimes = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['parx', 'hand'] : ['hand', 'parx'];
    for (const who of order) {
      prepare();
      if (who === 'parx') {
        if (inspect) {
          statusTimes.push(time(process.execPath, [PARX, 'status', '--json'], { cwd: repo, env }));
          checkTimes.push(time(process.execPath, [PARX, 'check'], { cwd: repo, env }));
        }
        parxTimes.push(time(process.execPath, [PARX, 'down'], { cwd: repo, env }));
      } else handTimes.push(time(script, [repo, wt, String(SESSIONS)], { env }));
      verifyLanded();
    }
  }
  discard(base);
  const { ratio, raw } = pairedRatio(parxTimes, handTimes);
  return {
    parx: median(parxTimes),
    hand: median(handTimes),
    ratio,
    raw,
    parxTimes,
    handTimes,
    ...(inspect && { status: median(statusTimes), check: median(checkTimes) }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [runs = '5', files = '5000', sessions = '8', dir = tmpdir()] = process.argv.slice(2);
  const result = benchDown({ runs: Number(runs), files: Number(files), sessions: Number(sessions), dir, inspect: true });
  console.log(`status ${fmt(result.status)}  check ${fmt(result.check)}`);
  console.log(`parx ${fmt(result.parx)}  hand ${fmt(result.hand)}  paired ratio ${result.ratio.toFixed(2)}`);
  console.log(`  parx: ${result.parxTimes.map(fmt).join(', ')}\n  hand: ${result.handTimes.map(fmt).join(', ')}`);
  emptyTrash();
}
