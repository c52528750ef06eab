// Benchmark: does git's parallel checkout (`checkout.workers`) help fill one large worktree?
// One worktree of 50,000 files filled as parx fills it (`read-tree -u --reset HEAD` after a
// `worktree add --no-checkout`), with checkout.workers=1 against one worker per core, alternating.
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { discard, emptyTrash, fmt, git, makeIndexOnlyRepo, median, pairedRatio, time } from './lib.mjs';

export function benchCheckoutWorkers({ runs = 5, files = 50_000, dir = tmpdir() } = {}) {
  const base = mkdtempSync(join(dir, 'parx-bench-checkout-'));
  const repo = join(base, 'repo');
  makeIndexOnlyRepo(
    repo,
    Array.from({ length: files }, (_, i) => `src/m${i % 8}/d${Math.floor(i / 100) % 50}/f${i}.ts`),
  );
  const workers = availableParallelism();
  const fill = (n, tag) => {
    const wt = join(base, tag);
    git(repo, 'worktree', 'add', '--quiet', '--no-checkout', '--detach', wt, 'main');
    const ms = time('git', ['-c', `checkout.workers=${n}`, 'read-tree', '-u', '--reset', 'HEAD'], { cwd: wt });
    discard(wt);
    git(repo, 'worktree', 'prune');
    return ms;
  };
  const parallel = [];
  const single = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      parallel.push(fill(workers, `p${i}`));
      single.push(fill(1, `s${i}`));
    } else {
      single.push(fill(1, `s${i}`));
      parallel.push(fill(workers, `p${i}`));
    }
  }
  discard(base);
  return { workers, parallel: median(parallel), single: median(single), ...pairedRatio(parallel, single) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchCheckoutWorkers({ runs: Number(process.argv[2] ?? 5) });
  console.log(`checkout.workers=${r.workers}: ${fmt(r.parallel)}  =1: ${fmt(r.single)}  paired ratio ${r.ratio.toFixed(2)}  (pairs ms: ${r.raw})`);
  emptyTrash();
}
