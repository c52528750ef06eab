// Benchmark: `parx up` of 8 sessions on a 5,000-file repository against a plain shell script
// doing the same by hand, alternating in one run (worktree creation is I/O-bound and noisy).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, discard, emptyTrash, fmt, git, makeRepo, median, pairedRatio, time, timeLines } from './lib.mjs';

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
 * times parx with every pane sandboxed against parx with `guard.sandbox: off`; a path to another
 * build's bin/parx.js times this build against that one (same config, same repository). With a
 * `setupCommand`, `withBare` adds a third side to every group: parx with no setup, from which the
 * best possible time of that group follows (the last worktree still needs its setup once filled:
 * bare + the setup's duration), measured in the same group rather than in another phase.
 */
export function benchUp({ runs = 5, setupCommand = '', setupMs = 0, files = 5000, dir = tmpdir(), against = 'hand', withBare = false } = {}) {
  const base = mkdtempSync(join(dir, 'parx-bench-up-'));
  const env = { ...process.env, TMUX_TMPDIR: base };
  delete env.TMUX;
  const repo = join(base, 'repo');
  makeRepo(repo, files, { sessions: SESSIONS });
  const sessions = Object.fromEntries(Array.from({ length: SESSIONS }, (_, i) => [`s${i}`, { owns: [`src/m${i}/**`], task: `task ${i}` }]));
  const config = { agent: 'tail -f {promptFile}', worktreeDir: join(base, 'wt'), sessions };
  const writeConfig = (sandbox, setup = setupCommand) =>
    writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ ...config, ...(setup ? { setup } : {}), guard: { sandbox } }));
  writeConfig(against === 'hand' ? 'auto' : 'on');
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit', '-q', '-m', 'config');
  const script = join(base, 'hand.sh');
  writeFileSync(script, HAND_SCRIPT, { mode: 0o755 });

  // Untimed between runs: back to a repository with no worktrees, branches, state or tmux.
  // Worktrees are moved aside, not deleted (see discard in lib.mjs).
  const cleanup = () => {
    try {
      time('tmux', ['kill-server'], { env });
    } catch {
      // no server was running
    }
    for (const dir of ['wt', 'hand']) if (existsSync(join(base, dir))) discard(join(base, dir));
    git(repo, 'worktree', 'prune');
    const refs = git(repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/parx/', 'refs/heads/parx-sandbox/').split('\n').filter(Boolean);
    for (const ref of refs) git(repo, 'update-ref', '--no-deref', '-d', ref);
    rmSync(join(repo, '.git', 'parx'), { recursive: true, force: true });
  };

  // When each side's first and last agent started (a parx up starts each as its worktree is
  // ready; the hand script starts them all at its end), beside when it exited.
  // And when the guard watched them all: an agent is up once it runs and is guarded.
  const firstAgent = { parx: [], other: [], bare: [] };
  const lastAgent = { parx: [], other: [], bare: [] };
  const guarded = { parx: [], other: [], bare: [] };
  const parxUp = (who, bin = PARX) => {
    const { ms, lines, guardedMs } = timeLines(process.execPath, [bin, 'up', '--detach'], {
      cwd: repo,
      env: { ...env, STAMP_RUN_DIR: join(repo, '.git', 'parx') },
    });
    const starts = lines.filter((l) => /^\s+s\d+\s+pane %\d+ started/.test(l.text)).map((l) => l.ms);
    if (starts.length !== SESSIONS) throw new Error(`up said it started ${starts.length} agents, not ${SESSIONS}:\n${lines.map((l) => l.text).join('\n')}`);
    if (guardedMs === undefined) throw new Error('the guard did not watch every session within 30 s of up');
    guarded[who].push(guardedMs);
    firstAgent[who].push(Math.min(...starts));
    lastAgent[who].push(Math.max(...starts));
    return ms;
  };
  const sides = {
    parx: () => {
      writeConfig(against === 'hand' ? 'auto' : 'on');
      return parxUp('parx');
    },
    other: () => {
      if (against === 'hand') {
        const ms = time(script, [repo, join(base, 'hand'), setupCommand], { env });
        firstAgent.other.push(ms);
        guarded.other.push(ms);
        lastAgent.other.push(ms);
        return ms;
      }
      // The same configuration as the parx side (the side before may have written another).
      writeConfig(against === 'unsandboxed' ? 'off' : 'on');
      if (against !== 'unsandboxed') return parxUp('other', against);
      return parxUp('other');
    },
    ...(withBare && {
      bare: () => {
        writeConfig(against === 'hand' ? 'auto' : 'on', '');
        return parxUp('bare');
      },
    }),
  };
  const names = Object.keys(sides);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  cleanup();
  for (let i = 0; i < runs; i++) {
    // Rotate which goes first so that cache warmth and the disk's drift favour no side.
    for (let k = 0; k < names.length; k++) {
      const who = names[(i + k) % names.length];
      times[who].push(sides[who]());
      cleanup();
    }
  }
  discard(base);
  const paired = pairedRatio(times.parx, times.other);
  const agents = pairedRatio(lastAgent.parx, lastAgent.other);
  const first = pairedRatio(firstAgent.parx, firstAgent.other);
  const allGuarded = pairedRatio(guarded.parx, guarded.other);
  const result = {
    parx: median(times.parx),
    hand: median(times.other),
    ratio: paired.ratio,
    raw: paired.raw,
    parxTimes: times.parx,
    handTimes: times.other,
    firstAgent: { parx: median(firstAgent.parx), other: median(firstAgent.other), ratio: first.ratio, raw: first.raw },
    lastAgent: { parx: median(lastAgent.parx), other: median(lastAgent.other), ratio: agents.ratio, raw: agents.raw },
    guarded: { parx: median(guarded.parx), other: median(guarded.other), ratio: allGuarded.ratio, raw: allGuarded.raw },
  };
  if (withBare) {
    const best = times.bare.map((t) => t + setupMs);
    const toBest = pairedRatio(times.parx, best);
    Object.assign(result, { best: median(best), toBest: toBest.ratio, rawBest: toBest.raw });
  }
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // node test/bench/up.mjs [runs] [setup] [files] [dir] [other build's bin/parx.js, instead of the hand script]
  const [runs = '5', setupCommand = '', files = '5000', dir = tmpdir(), against = 'hand'] = process.argv.slice(2);
  const sleep = /^sleep (\d+(?:\.\d+)?)$/.exec(setupCommand);
  const result = benchUp({
    runs: Number(runs),
    setupCommand,
    files: Number(files),
    dir,
    against,
    withBare: Boolean(sleep),
    setupMs: sleep ? Number(sleep[1]) * 1000 : 0,
  });
  if (result.best) console.log(`best possible ${fmt(result.best)}  parx / best ${result.toBest.toFixed(2)}  (groups ms: ${result.rawBest})`);
  const other = against === 'hand' ? 'hand' : 'other build';
  console.log(`parx ${fmt(result.parx)}  ${other} ${fmt(result.hand)}  paired ratio ${result.ratio.toFixed(2)}  (pairs ms: ${result.raw})`);
  for (const [what, agents] of [
    ['first agent started', result.firstAgent],
    ['last agent started', result.lastAgent],
    ['every agent guarded', result.guarded],
  ])
    console.log(`${what}: parx ${fmt(agents.parx)}  ${other} ${fmt(agents.other)}  paired ratio ${agents.ratio.toFixed(2)}  (pairs ms: ${agents.raw})`);
  emptyTrash();
}
