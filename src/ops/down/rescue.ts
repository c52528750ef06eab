import { lstat, mkdir, readdir } from 'node:fs/promises';
import { copyRegularFile, hashFile } from '../../adapters/files.js';
import { basename, dirname, join } from 'node:path';
import { findUnreachableTips, listIgnoredEntries, listReflogCommits, updateRefs } from '../../adapters/git.js';
import type { BackupRefNames } from '../../core/merge-queue.js';
import type { Project } from '../common/project.js';

/** What a rescue needs of its run: the project, and the backup refs so far (it adds its own). */
export interface RescueContext {
  project: Project;
  backups: BackupRefNames;
}

/**
 * What removing a session's worktree would lose that git itself does not protect, rescued
 * first: `git worktree remove` deletes ignored files with the folder (the `.env` that `copy:`
 * put there and the agent edited, a local database, notes), and commits reachable only from
 * the worktree's HEAD reflog or its branch's reflog (made on a detached HEAD, then left) go
 * with the worktree's and the branch's logs.
 */

/** Ignored folders that builds and installs make again: not saved, but named in the summary. */
const REGENERABLE = new Set([
  'node_modules',
  'dist',
  'build',
  'out',
  'coverage',
  '.cache',
  '.parcel-cache',
  '.next',
  '.nuxt',
  '.turbo',
  '.svelte-kit',
  'target',
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  '.tox',
  '.venv',
  'venv',
  '.gradle',
]);

/**
 * Ignored lockfiles: a repository that ignores its lockfile has every install write a new one
 * (`npm install` in `setup:` did), so one in a worktree is an install's output, not the
 * session's work. Named in the summary like the folders above, not saved as "found nowhere else".
 */
const REGENERABLE_FILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'bun.lock',
  'poetry.lock',
  'uv.lock',
  'Pipfile.lock',
  'Gemfile.lock',
  'composer.lock',
  'Cargo.lock',
  'go.sum',
]);

/** More than this to save and the worktree is kept instead (the user decides what to keep). */
const MAX_SAVED_BYTES = 100 * 1024 * 1024;

export interface IgnoredRescue {
  /** Where new or changed ignored files were copied, with their paths. */
  saved?: { dir: string; files: string[] };
  /** Regenerable ignored folders and lockfiles that go with the worktree. */
  dropped: string[];
  /** Set when there was too much to save: the worktree must be kept, and why. */
  keep?: string;
}

/**
 * Saves the ignored files of a worktree that exist nowhere else: not as `copy:` put them there
 * at `up` (`copied`: path → sha256), and not the same in the main checkout. Listed by git's
 * current rules, which are the ones `git worktree remove` will apply.
 */
export async function rescueIgnoredFiles(
  run: RescueContext,
  session: string,
  worktree: string,
  copied: Readonly<Record<string, string>>,
): Promise<IgnoredRescue> {
  const dropped: string[] = [];
  const candidates: string[] = [];
  for (const entry of await listIgnoredEntries(worktree)) {
    if (entry.endsWith('/')) {
      if (REGENERABLE.has(basename(entry.slice(0, -1)))) dropped.push(entry);
      else candidates.push(...(await listFiles(worktree, entry.slice(0, -1))));
    } else if (REGENERABLE_FILES.has(basename(entry))) dropped.push(entry);
    else candidates.push(entry);
  }
  const unique: Array<{ path: string; size: number }> = [];
  for (const path of candidates) {
    const stats = await lstat(join(worktree, path)).catch(() => undefined);
    if (!stats?.isFile()) continue;
    // Replaced meanwhile by a link or a FIFO: nothing of the session's content to save there.
    const digest = await hashFile(join(worktree, path)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EINVAL' || error.code === 'ELOOP' || error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (digest === undefined) continue;
    if (digest === copied[path]) continue;
    const inMain = await hashFile(join(run.project.root, path)).catch(() => undefined);
    if (digest === inMain) continue;
    unique.push({ path, size: stats.size });
  }
  if (unique.length === 0) return { dropped };
  const bytes = unique.reduce((n, f) => n + f.size, 0);
  if (bytes > MAX_SAVED_BYTES) {
    const shown = unique
      .slice(0, 3)
      .map((f) => f.path)
      .join(', ');
    return {
      dropped,
      keep: `its worktree holds ${unique.length} ignored file(s) (${Math.round(bytes / 1048576)} MB) found nowhere else (${shown}${unique.length > 3 ? ', …' : ''}): copy what you need out of it (or delete them), then run \`parx down\` again`,
    };
  }
  const dir = join(run.project.files.dir, 'saved', session, new Date().toISOString().replace(/[:.]/g, '-'));
  for (const { path } of unique) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await copyRegularFile(join(worktree, path), join(dir, path));
  }
  return { saved: { dir, files: unique.map((f) => f.path) }, dropped };
}

/**
 * Commits that only the worktree's HEAD reflog or the branch's reflog still reach: each line of
 * work among them is kept under the next `refs/parx/backup/<session>/<n>`, written at once
 * (before anything is removed). Returns the refs written.
 */
export async function rescueReflogCommits(run: RescueContext, session: string, worktree: string | undefined, branch: string): Promise<string[]> {
  const commits = [...(worktree ? await listReflogCommits(worktree, 'HEAD') : []), ...(await listReflogCommits(run.project.root, `refs/heads/${branch}`))];
  if (commits.length === 0) return [];
  const tips = await findUnreachableTips(run.project.root, commits);
  const refs = tips.map((tip): [string, string] => [run.backups.next(session), tip]);
  await updateRefs(run.project.root, refs);
  return refs.map(([ref]) => ref);
}

/** Every file below a folder of the worktree, as worktree-relative paths. */
async function listFiles(worktree: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(worktree, dir), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(worktree.length + 1));
}
