// Benchmark: `parx up` of 8 sessions on a 5,000-file repository against a plain shell script
// doing the same by hand, alternating in one run (worktree creation is I/O-bound and noisy).
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, fmt, git, makeRepo, median, time } from './lib.mjs';

const SESSIONS = 8;
const HAND_SCRIPT = `#!/bin/sh
# What a person would type: worktrees one by one, setup in each, then the tmux grid.
set -e
repo=$1; dir=$2; setup=$3
cd "$repo"
for i in 0 1 2 3 4 5 6 7; do
  git worktree add --quiet -b "parx/s$i" "$dir/s$i" main
  [ -z "$setup" ] || (cd "$dir/s$i" && sh -c "$setup")
  printf 'task %s\\n' "$i" > "$dir/s$i.prompt"
done
tmux new-session -d -s hand -x 240 -y 70 -c "$dir/s0" tail -f "$dir/s0.prompt"
for i in 1 2 3 4 5 6 7; do
  tmux split-window -t hand -c "$dir/s$i" tail -f "$dir/s$i.prompt"
  tmux select-layout -t hand tiled
done
`;

/**
 * `against: 'hand'` (default) times parx against the hand script; `against: 'unsandboxed'`
 * times parx with every pane sandboxed against parx with `guard.sandbox: off`.
 */
export function benchUp({ runs = 5, setupCommand = '', files = 5000, dir = tmpdir(), against = 'hand' } = {}) {
  const base = mkdtempSync(join(dir, 'parx-bench-up-'));
  const env = { ...process.env, TMUX_TMPDIR: base };
  delete env.TMUX;
  const repo = join(base, 'repo');
  makeRepo(repo, files, { sessions: SESSIONS });
  const sessions = Object.fromEntries(Array.from({ length: SESSIONS }, (_, i) => [`s${i}`, { owns: [`src/m${i}/**`], task: `task ${i}` }]));
  const config = { agent: 'tail -f {promptFile}', worktreeDir: join(base, 'wt'), sessions, ...(setupCommand ? { setup: setupCommand } : {}) };
  const writeConfig = (sandbox) => writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ ...config, guard: { sandbox } }));
  writeConfig(against === 'hand' ? 'auto' : 'on');
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit', '-q', '-m', 'config');
  const script = join(base, 'hand.sh');
  writeFileSync(script, HAND_SCRIPT, { mode: 0o755 });

  // Untimed between runs: back to a repository with no worktrees, branches, state or tmux.
  // Worktrees are moved aside, not deleted: mass deletion on this VM's disk (ext4 with
  // discard) slows every write for many seconds afterwards and would swamp what is measured.
  let moved = 0;
  const cleanup = () => {
    try {
      time('tmux', ['kill-server'], { env });
    } catch {
      // no server was running
    }
    for (const dir of ['wt', 'hand']) {
      if (existsSync(join(base, dir))) renameSync(join(base, dir), join(base, 'trash', String(moved++)));
    }
    git(repo, 'worktree', 'prune');
    const refs = git(repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/parx/', 'refs/heads/parx-sandbox/').split('\n').filter(Boolean);
    for (const ref of refs) git(repo, 'update-ref', '--no-deref', '-d', ref);
    rmSync(join(repo, '.git', 'parx'), { recursive: true, force: true });
  };
  mkdirSync(join(base, 'trash'));

  const parxTimes = [];
  const handTimes = [];
  cleanup();
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first so that cache warmth does not favour one side.
    const order = i % 2 === 0 ? ['parx', 'hand'] : ['hand', 'parx'];
    for (const who of order) {
      if (who === 'parx') {
        if (against !== 'hand') writeConfig('on');
        parxTimes.push(time(process.execPath, [PARX, 'up', '--detach'], { cwd: repo, env }));
      } else if (against === 'hand') handTimes.push(time(script, [repo, join(base, 'hand'), setupCommand], { env }));
      else {
        writeConfig('off');
        handTimes.push(time(process.execPath, [PARX, 'up', '--detach'], { cwd: repo, env }));
      }
      cleanup();
    }
  }
  rmSync(base, { recursive: true, force: true });
  // The disk drifts during a run (seconds per checkout, up or down by 2x over minutes), so the
  // ratio is the median of per-pair ratios: each pair ran back to back, in alternating order.
  const ratio = median(parxTimes.map((t, i) => t / handTimes[i]));
  return { parx: median(parxTimes), hand: median(handTimes), ratio, parxTimes, handTimes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [runs = '5', setupCommand = '', files = '5000', dir = tmpdir()] = process.argv.slice(2);
  const result = benchUp({ runs: Number(runs), setupCommand, files: Number(files), dir });
  console.log(`parx ${fmt(result.parx)}  hand ${fmt(result.hand)}  paired ratio ${result.ratio.toFixed(2)}`);
}
