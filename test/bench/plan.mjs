// Benchmark: `parx plan` on a repository of 100,000 tracked files, 8 sessions × 5 globs each.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, fmt, git, makeIndexOnlyRepo, median, time } from './lib.mjs';

export function benchPlan({ runs = 5, files = 100_000 } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'parx-bench-plan-'));
  const repo = join(base, 'repo');
  const paths = Array.from({ length: files }, (_, i) => `packages/p${i % 40}/src/d${Math.floor(i / 40) % 25}/f${i}.${i % 3 ? 'ts' : 'md'}`);
  makeIndexOnlyRepo(repo, paths);
  // Five globs per session of the kinds people write: subtrees, extensions, exact files, braces.
  const sessions = Object.fromEntries(
    Array.from({ length: 8 }, (_, s) => [
      `s${s}`,
      {
        owns: [`packages/p${s}/**`, `packages/p${s + 8}/src/**/*.ts`, `packages/p${s + 16}/src/d1/*`, `packages/p${s + 24}/{src,test}/d2/**`, `docs/s${s}.md`],
        task: 't',
      },
    ]),
  );
  writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ sessions }));
  const times = Array.from({ length: runs }, () => time(process.execPath, [PARX, 'plan', '--json'], { cwd: repo }));
  rmSync(base, { recursive: true, force: true });
  return { median: median(times), times, files };
}

export function benchVersion({ runs = 20 } = {}) {
  const times = Array.from({ length: runs }, () => time(process.execPath, [PARX, '--version']));
  return { median: median(times), times };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`plan (100k files): ${fmt(benchPlan().median)}   --version: ${fmt(benchVersion().median)}`);
  void git;
}
