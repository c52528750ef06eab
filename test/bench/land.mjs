// Benchmark: `land: auto` against `parx down` run by hand at the same moment. 8 sessions (shell
// agents in a real tmux grid, each in its sandbox) commit at once; "finished" is the moment the
// last of them is seen waiting again (events.jsonl). With `land: auto` the guard lands them one by
// one; by hand, `parx down` lands all 8 in one run, started at that moment. verify = `sleep 1`.
// Also: from a session's agent finishing to its landing starting, for the first landing of each
// run (nothing else landing then).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, discard, emptyTrash, git, makeRepo, median, pairedRatio } from './lib.mjs';

const SESSIONS = 8;

function makeRun(base, land) {
  const repo = join(base, `repo-${land}`);
  makeRepo(repo, 800, { sessions: SESSIONS });
  const sessions = Object.fromEntries(Array.from({ length: SESSIONS }, (_, i) => [`s${i}`, { owns: [`src/m${i}/**`], task: `task ${i}` }]));
  writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ agent: 'shell', land, verify: 'sleep 1', sessions }));
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit', '-q', '-m', 'config');
  return repo;
}

const events = (repo) =>
  readFileSync(join(repo, '.git', 'parx', 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

async function waitUntil(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Up, every session commits at once in its pane; resolves with the moment the last is waiting again. */
async function finishAll(repo, env) {
  execFileSync(process.execPath, [PARX, 'up', '--detach'], { cwd: repo, env, stdio: 'ignore' });
  const state = JSON.parse(readFileSync(join(repo, '.git', 'parx', 'state.json'), 'utf8'));
  // Wait until every pane is quiet after its start, so that its next `waiting` follows its commit.
  await waitUntil(
    () => Object.keys(state.sessions).every((s) => events(repo).some((e) => e.type === 'state' && e.session === s && e.state === 'waiting')),
    30_000,
    'quiet panes',
  );
  const typed = Date.now();
  for (let i = 0; i < SESSIONS; i++) {
    const pane = state.sessions[`s${i}`].pane;
    execFileSync('tmux', ['send-keys', '-t', pane, '-l', `echo done >> src/m${i}/d0/f${i}.ts && git commit -qam "s${i}: done"`], { env });
    execFileSync('tmux', ['send-keys', '-t', pane, 'Enter'], { env });
  }
  const finishedAt = (e) => e.type === 'state' && e.state === 'waiting' && Date.parse(e.time) > typed;
  const finished = await waitUntil(
    () => {
      const done = events(repo).filter(finishedAt);
      return new Set(done.map((e) => e.session)).size === SESSIONS ? done : undefined;
    },
    60_000,
    'every session to finish',
  );
  return { finished: Math.max(...finished.map((e) => Date.parse(e.time))), byId: Object.fromEntries(finished.map((e) => [e.session, Date.parse(e.time)])) };
}

export async function benchLand({ runs = 3, dir = tmpdir() } = {}) {
  const auto = [];
  const hand = [];
  const firstDelays = [];
  for (let i = 0; i < runs; i++) {
    for (const land of i % 2 ? ['manual', 'auto'] : ['auto', 'manual']) {
      const base = mkdtempSync(join(dir, 'parx-bench-land-'));
      const env = { ...process.env, TMUX_TMPDIR: base, PARX_SILENCE_SECONDS: '1' };
      delete env.TMUX;
      try {
        const repo = makeRun(base, land);
        const { finished, byId } = await finishAll(repo, env);
        if (land === 'auto') {
          const lands = await waitUntil(
            () => {
              const l = events(repo).filter((e) => e.type === 'land');
              return l.length === SESSIONS ? l : undefined;
            },
            120_000,
            'every landing',
          );
          auto.push(Math.max(...lands.map((e) => Date.parse(e.time))) - finished);
          const firstMerge = events(repo).find((e) => e.type === 'merge');
          // The first landing starts when its `parx down` begins: its merge is the first thing it records.
          firstDelays.push(Date.parse(firstMerge.time) - byId[firstMerge.session]);
        } else {
          // `parx down` started right at that moment.
          const started = Date.now();
          execFileSync(process.execPath, [PARX, 'down'], { cwd: repo, env, stdio: 'ignore' });
          hand.push(Date.now() - started + Math.max(0, started - finished));
        }
      } finally {
        try {
          execFileSync('tmux', ['kill-server'], { env, stdio: 'ignore' });
        } catch {
          // already gone
        }
        discard(base);
      }
    }
  }
  emptyTrash();
  return { ratio: pairedRatio(auto, hand), auto: median(auto), hand: median(hand), firstDelay: median(firstDelays), firstDelays };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchLand({ runs: Number(process.argv[2] ?? 3) });
  console.log(
    `land: auto / parx down: ${r.ratio.ratio.toFixed(2)} (${Math.round(r.auto)} / ${Math.round(r.hand)} ms; pairs ${r.ratio.raw}); finish → landing start, median ${Math.round(r.firstDelay)} ms (${r.firstDelays.map(Math.round).join(' ')})`,
  );
}
