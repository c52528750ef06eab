// Shared helpers for the benchmarks: fixtures, timing, medians, reporting.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PARX = fileURLToPath(new URL('../../bin/parx.js', import.meta.url));

export function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A repository on `main` with `count` small files spread over folders, written to disk. */
export function makeRepo(root, count, { sessions = 8 } = {}) {
  mkdirSync(root, { recursive: true });
  git(root, 'init', '-q', '-b', 'main');
  for (let i = 0; i < count; i++) {
    const path = join(root, 'src', `m${i % sessions}`, `d${Math.floor(i / 100) % 10}`, `f${i}.ts`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `export const v${i} = ${i};\n`);
  }
  git(root, 'add', '-A');
  git(root, '-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit', '-q', '-m', 'initial');
}

/**
 * A repository whose `main` commit has `count` tracked files, built straight into the index
 * (one shared blob) so that 100,000 files take seconds, not minutes. No files on disk: `plan`
 * reads the tree of base.
 */
export function makeIndexOnlyRepo(root, paths) {
  mkdirSync(root, { recursive: true });
  git(root, 'init', '-q', '-b', 'main');
  const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: root, input: 'x\n', encoding: 'utf8' }).trim();
  execFileSync('git', ['update-index', '--index-info'], { cwd: root, input: paths.map((p) => `100644 ${blob}\t${p}\n`).join(''), maxBuffer: 1 << 30 });
  const tree = git(root, 'write-tree').trim();
  const commit = execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit-tree', tree, '-m', 'initial'], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  git(root, 'update-ref', 'refs/heads/main', commit);
}

/** Wall time of a command in ms; throws when it fails. */
export function time(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  return ms;
}

const STAMP = fileURLToPath(new URL('./stamp-lines.mjs', import.meta.url));

/**
 * Like time(), and also when each line of the command's output was printed (ms from the spawn,
 * see stamp-lines.mjs): `{ ms, lines: [{ ms, text }], guardedMs }`.
 */
export function timeLines(command, args, options = {}) {
  const result = spawnSync(process.execPath, [STAMP, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
  const records = result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const end = records.pop();
  if (result.status !== 0 || end?.exit !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  return { ms: end.ms, lines: records, guardedMs: end.guardedMs };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

export function report(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const row of rows) console.log(row.map((c, i) => String(c).padEnd(widths[i])).join('   '));
}

/**
 * The ratio of two sides measured in alternating pairs (or groups): the median of the per-pair
 * ratios, since each pair ran back to back and the machine drifts between pairs. `raw` is every
 * pair as "a/b", for the report.
 */
export function pairedRatio(a, b) {
  if (a.length !== b.length || a.length === 0) throw new Error(`unpaired measurements: ${a.length} against ${b.length}`);
  const ratios = a.map((x, i) => x / b[i]);
  return { ratio: median(ratios), raw: a.map((x, i) => `${Math.round(x)}/${Math.round(b[i])}`).join(' ') };
}

const TRASH = join(tmpdir(), `parx-bench-trash-${process.pid}`);

/**
 * Moves a finished fixture aside instead of deleting it: mass deletion on this VM's disk (ext4
 * with discard) slows every write for many seconds afterwards and would swamp the next phase.
 * emptyTrash() deletes it all once the measuring is over. A folder elsewhere (tmpfs) goes at once.
 */
export function discard(path) {
  mkdirSync(TRASH, { recursive: true });
  try {
    renameSync(path, join(TRASH, `${Date.now()}-${Math.random().toString(36).slice(2)}`));
  } catch {
    rmSync(path, { recursive: true, force: true });
  }
}

export function emptyTrash() {
  rmSync(TRASH, { recursive: true, force: true });
}
