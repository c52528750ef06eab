// Benchmark: `parx review` of 8 sessions, with a reviewer that answers at once, against the same
// reviewer command run by hand in 8 detached checkouts (made and removed around it, two at a
// time as parx runs them on two cores). What parx adds: its run files, one sandbox per reviewer,
// reading and recording each answer.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, discard, emptyTrash, git, makeRepo, pairedRatio, time } from './lib.mjs';

const SESSIONS = 8;
/** As src/ops/review/run-reviews.ts runs them. */
const REVIEW_CONCURRENCY = Math.min(4, Math.max(2, availableParallelism()));

export function benchReview({ runs = 5, files = 2000, dir = tmpdir() } = {}) {
  const base = mkdtempSync(join(dir, 'parx-bench-review-'));
  const repo = join(base, 'repo');
  makeRepo(repo, files, { sessions: SESSIONS });
  const reviewer = join(base, 'reviewer.sh');
  // Answers at once, as parx's prompt says to.
  writeFileSync(reviewer, 'exec parx review submit --pass --summary "fine"\n');
  const sessions = Object.fromEntries(Array.from({ length: SESSIONS }, (_, i) => [`s${i}`, { owns: [`src/m${i}/**`], task: `task ${i}` }]));
  writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ agent: 'shell', review: { agent: `sh ${reviewer}`, auto: false }, sessions }));
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit', '-q', '-m', 'config');
  for (let s = 0; s < SESSIONS; s++) {
    git(repo, 'branch', `parx/s${s}`);
    const tree = git(repo, 'rev-parse', `parx/s${s}^{tree}`).trim();
    const commit = execFileSync(
      'git',
      ['-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit-tree', tree, '-p', `parx/s${s}`, '-m', `s${s}`],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    ).trim();
    git(repo, 'update-ref', `refs/heads/parx/s${s}`, commit);
  }
  const names = Array.from({ length: SESSIONS }, (_, i) => `s${i}`);
  // Untimed: the first run writes parx's launcher (the hand runs use it too) and its sandbox files.
  const viaParx = () => time(process.execPath, [PARX, 'review', ...names, '--json'], { cwd: repo });
  viaParx();
  const shim = join(repo, '.git', 'parx', 'reviews', 'bin');
  // By hand: a detached checkout per session, the reviewer in it with the same environment, removed after.
  const byHand = () =>
    time(
      'sh',
      [
        '-c',
        `printf '%s\\n' ${names.join(' ')} | xargs -P ${REVIEW_CONCURRENCY} -I{} sh -c 'd=$(mktemp -d) && git worktree add -q --detach "$d/c" parx/{} && cd "$d/c" && PARX_SESSION={} PARX_REVIEW_TIP=$(git rev-parse HEAD) PARX_REVIEW_ANSWER="$d/answer.json" sh "$0" "the prompt" >/dev/null && cd / && git -C "$1" worktree remove --force "$d/c" && rm -rf "$d"' '${reviewer}' '${repo}'`,
      ],
      { cwd: repo, env: { ...process.env, PATH: `${shim}:${process.env.PATH}` } },
    );
  byHand();
  const parx = [];
  const hand = [];
  for (let i = 0; i < runs; i++) {
    const pair = i % 2 ? [byHand, viaParx] : [viaParx, byHand];
    const [first, second] = pair.map((f) => f());
    parx.push(i % 2 ? second : first);
    hand.push(i % 2 ? first : second);
  }
  rmSync(join(repo, '.git', 'parx', 'reviews'), { recursive: true, force: true });
  discard(base);
  emptyTrash();
  return { parx: pairedRatio(parx, hand), parxMs: parx, handMs: hand };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = benchReview({ runs: Number(process.argv[2] ?? 7) });
  console.log(`parx review / by hand: ${result.parx.ratio.toFixed(2)} (pairs ${result.parx.raw})`);
}
