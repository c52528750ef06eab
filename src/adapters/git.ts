import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { realpath } from './git-dir.js';
import { ToolError, UsageError } from '../core/errors.js';
import type { PathChange } from '../core/changes.js';
import { readBranchGraph, splitDiffTreeOutput } from '../core/branch-graph.js';
import { readVersion } from '../core/version.js';
import { getSessionBranchName } from '../core/session-names.js';
import type { WorktreeFact } from '../core/worktree-plan.js';

/**
 * git with argv arrays and an explicit working directory on every call, run through execa.
 *
 * Not simple-git for these: it waits a fixed 50 ms after any command that prints nothing (its
 * completion plugin: `worktree add --quiet`, `worktree prune`, an empty `for-each-ref`), which
 * alone made `parx up` of 8 sessions 0.4 s slower, and by default it counts a silent non-zero
 * exit (`rev-parse --verify -q`, a `merge-tree` conflict) as success.
 */

/**
 * What every git parx runs is told, because parx runs git in folders a session writes (its
 * worktree, and the main checkout once `verify` has run merged code there), and git would
 * otherwise run programs named there: a nested repository staged as a gitlink makes `git status`
 * recurse into it and obey its config (`core.fsmonitor = <command>`), and the index (the
 * session's file) can carry an untracked cache that hides files. Passed as `-c`, so git's child
 * processes get them too.
 */
export const SAFE_GIT_CONFIG = [
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.untrackedCache=false',
  '-c',
  'submodule.recurse=false',
  '-c',
  'status.submoduleSummary=false',
  '-c',
  'diff.ignoreSubmodules=all',
];

/** In a worktree parx does not own the hooks of (a session's, its scratch checkout), none run. */
export const NO_HOOKS = ['-c', 'core.hooksPath=/dev/null'];

/**
 * How long one git call may take. A FIFO where git reads (a `.gitignore`, a `.gitattributes`)
 * makes it wait forever: parx gives up, naming the folder, instead of hanging with it.
 * PARX_GIT_TIMEOUT_MS changes it (tests make it short).
 */
export const GIT_TIMEOUT_MS = Number(process.env.PARX_GIT_TIMEOUT_MS) > 0 ? Number(process.env.PARX_GIT_TIMEOUT_MS) : 120_000;

export function execGit(cwd: string, args: string[], env?: Record<string, string>, input?: string) {
  return execa('git', [...SAFE_GIT_CONFIG, ...args], {
    cwd,
    reject: false,
    stripFinalNewline: false,
    timeout: GIT_TIMEOUT_MS,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    ...(env ? { env } : {}),
  });
}

/** Runs git and returns its stdout; throws ToolError with git's own message on failure. */
export async function runGit(cwd: string, args: string[], input?: string, env?: Record<string, string>): Promise<string> {
  const result = await execGit(cwd, args, env, input);
  if (result.failed) throw toGitError(cwd, args, result);
  return result.stdout;
}

/** git's failure as parx reports it: git's own words, or for a call that never finished, where it hung. */
export function toGitError(
  cwd: string,
  args: readonly string[],
  result: { exitCode?: number | undefined; stderr: string; shortMessage?: string; timedOut?: boolean },
): ToolError {
  if (result.timedOut) {
    return new ToolError(
      ['git', ...args],
      result.exitCode,
      `did not finish within ${GIT_TIMEOUT_MS / 1000} s in ${cwd}: something there may be a FIFO git waits to read (parx stopped it)`,
    );
  }
  return new ToolError(['git', ...args], result.exitCode, result.stderr || result.shortMessage || '');
}

/** Like runGit, but a failure is an answer ("no"), not an error. */
export async function tryGit(cwd: string, args: string[]): Promise<string | undefined> {
  const result = await execGit(cwd, args);
  return result.failed ? undefined : result.stdout;
}

export { realpath };

export const MIN_GIT = { major: 2, minor: 38 };

/** git ≥ 2.38 is needed for `merge-tree --write-tree`. Throws UsageError (exit 2) otherwise. */
export async function verifyGitVersion(cwd: string): Promise<void> {
  const result = await execa('git', ['--version'], { cwd, reject: false, stdin: 'ignore' });
  if ((result as { code?: string }).code === 'ENOENT') throw new UsageError('git is not installed (parx needs git ≥ 2.38)');
  const version = readVersion(result.stdout, [MIN_GIT.major, MIN_GIT.minor]);
  if (!version) throw new UsageError(`cannot tell the git version from "${result.stdout.trim()}"`);
  if (!version.atLeast) throw new UsageError(`git ${version.major}.${version.minor} is too old: parx needs git ≥ 2.38 (for merge-tree --write-tree)`);
}

export interface RepoLocation {
  /** Top of the worktree `cwd` is in (the main one or a session's). */
  toplevel: string;
  /** The main worktree, where `base` is checked out and merges happen. */
  root: string;
  /** `git rev-parse --git-common-dir`, absolute: parx keeps its state below it. */
  commonDir: string;
}

/** Where `cwd` is: its worktree, the common dir, and the main worktree (none for a bare repository). */
export async function locateRepo(cwd: string): Promise<Omit<RepoLocation, 'root'> & { mainWorktree: string | undefined }> {
  const out = await tryGit(cwd, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir']);
  const [toplevel, commonDir] = out?.trim().split('\n') ?? [];
  if (!toplevel || !commonDir) {
    throw new UsageError(`not a git repository (or not inside its work tree): ${cwd}`);
  }
  // The common dir of a non-bare repository is usually the main worktree's `.git`; otherwise the
  // first worktree git lists is the main one, unless it is the bare repository itself.
  let mainWorktree: string | undefined = dirname(commonDir);
  if (basename(commonDir) !== '.git') {
    const first = (await listWorktrees(toplevel))[0];
    mainWorktree = first && !first.bare ? first.path : undefined;
  }
  return { toplevel: realpath(toplevel), mainWorktree: mainWorktree && realpath(mainWorktree), commonDir: realpath(commonDir) };
}

/**
 * git's user-wide ignore file: `core.excludesFile`, else `$XDG_CONFIG_HOME/git/ignore` (or
 * `~/.config/git/ignore`). Resolved once by `up` and recorded, so that the hook, the guard and
 * `check` all judge by the same rules even if an agent rewrites the user's git config later.
 */
export async function getExcludesFile(cwd: string): Promise<string> {
  const configured = (await tryGit(cwd, ['config', '--path', '--get', 'core.excludesFile']))?.trim();
  if (configured) return resolve(cwd, configured);
  return join(getUserGitDir(), 'ignore');
}

/** Where git keeps the user's own `config` and `ignore` files: `$XDG_CONFIG_HOME/git`, else `~/.config/git`. */
export function getUserGitDir(): string {
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'git');
}

/**
 * The branch checked out, from its full refname: `--short` (like `%(refname:short)`) prints
 * `heads/main` when a tag or remote branch has the same short name.
 */
export async function getCurrentBranch(cwd: string): Promise<string | undefined> {
  const ref = (await tryGit(cwd, ['symbolic-ref', '--quiet', 'HEAD']))?.trim();
  return ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}

export async function getCommit(cwd: string, ref: string): Promise<string | undefined> {
  return (await tryGit(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]))?.trim() || undefined;
}

/**
 * Local branches under a prefix, name (`parx/auth`) → commit, from one for-each-ref. Full
 * refnames, stripped here: `%(refname:short)` turns `refs/heads/parx/a` into `heads/parx/a`
 * when a tag or remote branch `parx/a` exists, and the branch would look missing.
 */
export async function listBranchTips(cwd: string, prefix: string): Promise<Map<string, string>> {
  // `%(objectname)` only: git reads no object for it, so a tip whose objects are still in a
  // session's own folder (adapters/session-objects.ts) is listed, not reported broken.
  const out = await runGit(cwd, ['for-each-ref', '--format=%(objectname) %(refname)', `refs/heads/${prefix}`]);
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [commit, ref] = line.split(' ') as [string, string];
        return [ref.slice('refs/heads/'.length), commit];
      }),
  );
}

/** Whether `path` is tracked in the worktree: in its index or in its HEAD commit. */
export async function isTracked(worktree: string, path: string): Promise<boolean> {
  const out = await runGit(worktree, ['--literal-pathspecs', 'ls-files', '-z', '--with-tree=HEAD', '--', path]);
  return out !== '';
}

/** Every file in a commit's tree, repository-relative. `-z`: names are not quoted or escaped. */
export async function listTreeFiles(cwd: string, ref: string): Promise<string[]> {
  const out = await runGit(cwd, ['ls-tree', '-r', '-z', '--name-only', '--full-tree', ref]);
  return out.split('\0').filter(Boolean);
}

export async function listWorktrees(cwd: string): Promise<WorktreeFact[]> {
  // `-z` keeps paths and lock reasons unquoted; stanzas end with an empty field.
  const out = await runGit(cwd, ['worktree', 'list', '--porcelain', '-z']);
  const facts: WorktreeFact[] = [];
  let current: WorktreeFact | undefined;
  for (const field of out.split('\0')) {
    if (field.startsWith('worktree ')) {
      current = { path: realpath(field.slice('worktree '.length)), branch: undefined, prunable: false, bare: false };
      facts.push(current);
    } else if (current && field.startsWith('branch refs/heads/')) {
      current.branch = getSessionBranchName(field.slice('branch refs/heads/'.length));
    } else if (current && field.startsWith('prunable')) {
      current.prunable = true;
    } else if (current && field === 'bare') {
      current.bare = true;
    }
  }
  return facts;
}

/** A file's text as committed on a branch, or undefined when the branch has no such file. */
export async function readBranchFile(cwd: string, branch: string, path: string): Promise<string | undefined> {
  return tryGit(cwd, ['show', `refs/heads/${branch}:${path}`]);
}

/** Tracked files of a worktree, all or under `paths` (pathspecs). */
export async function listTrackedFiles(worktree: string, paths: readonly string[] = []): Promise<string[]> {
  return (await runGit(worktree, ['ls-files', '-z', '--', ...paths])).split('\0').filter(Boolean);
}

/** Files changed on `branch` since it forked from `base` (`base...branch`), one entry per path. */
export async function listCommittedChanges(cwd: string, base: string, branch: string): Promise<PathChange[]> {
  return listDiff(cwd, [`${base}...${branch}`]);
}

export interface BranchWork {
  /** Commits on the branch that base does not have. */
  ahead: number;
  /** Files changed on the branch since it forked from base (`base...tip`), one entry per path. */
  changes: PathChange[];
}

/**
 * What each tip has that base does not, for every session at once: one `rev-list` for the
 * commits and fork points, one `diff-tree --stdin` for the files (a `git merge-base` more only for
 * a branch base was merged into). `parx status` of 30 sessions made 60 processes of this before.
 */
export async function inspectBranches(cwd: string, base: string, tips: readonly string[]): Promise<BranchWork[]> {
  if (tips.length === 0) return [];
  const graph = await runGit(cwd, ['rev-list', '--boundary', '--parents', ...new Set(tips), '--not', base, '--']);
  const facts = readBranchGraph(graph.split('\n'), tips);
  const forks = await Promise.all(facts.map(async (f, i) => f.forkPoint ?? (await runGit(cwd, ['merge-base', base, tips[i]!])).trim()));
  const compared = tips.flatMap((tip, i) => (facts[i]!.ahead > 0 ? [i] : []));
  const changes: PathChange[][] = tips.map(() => []);
  if (compared.length > 0) {
    // "<commit> <parent>" lines: each tip against its fork point; --always answers even an empty one.
    const input = compared.map((i) => `${tips[i]} ${forks[i]}\n`).join('');
    const args = ['diff-tree', '--stdin', '--always', '-r', '-z', '--name-status', '--no-renames'];
    const result = await execGit(cwd, args, undefined, input);
    if (result.failed) throw toGitError(cwd, args, result);
    splitDiffTreeOutput(result.stdout, compared.length).forEach((entries, k) => {
      changes[compared[k]!] = entries.map(({ status, path }) => ({ path, change: status === 'A' ? 'add' : status === 'D' ? 'unlink' : 'change' }));
    });
  }
  return facts.map((f, i) => ({ ahead: f.ahead, changes: changes[i]! }));
}

/** Files staged in a worktree's index (what `git commit` would record). */
export async function listStagedChanges(worktree: string): Promise<PathChange[]> {
  return listDiff(worktree, ['--cached']);
}

async function listDiff(cwd: string, range: string[]): Promise<PathChange[]> {
  // --no-renames: a rename is a deletion plus an addition, and both sides count.
  const out = await runGit(cwd, ['diff', '--name-status', '-z', '--no-renames', ...range, '--']);
  const fields = out.split('\0');
  const changes: PathChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = fields[i]!;
    changes.push({ path: fields[i + 1]!, change: status === 'A' ? 'add' : status === 'D' ? 'unlink' : 'change' });
  }
  return changes;
}

/**
 * Uncommitted and untracked (not ignored) changes in a worktree, against its HEAD; with
 * `untracked: false`, only staged or unstaged changes to tracked files.
 */
export async function listWorktreeChanges(
  worktree: string,
  /** `env`: to read a sandboxed session's own objects (adapters/session-objects.ts getInspectionEnv). */
  options: { untracked: boolean; excludesFile?: string | undefined; env?: Record<string, string> | undefined } = { untracked: true },
): Promise<PathChange[]> {
  // --no-optional-locks: plain `git status` refreshes and rewrites the index under index.lock,
  // which makes the agent's own `git add`/`git commit` in that worktree fail at that moment.
  const untracked = options.untracked ? '--untracked-files=all' : '--untracked-files=no';
  const out = await runGit(
    worktree,
    [...excludesFileOption(options.excludesFile), '--no-optional-locks', 'status', '--porcelain', '-z', untracked, '--no-renames', '--ignore-submodules=all'],
    undefined,
    options.env,
  );
  return out
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => {
      const xy = entry.slice(0, 2);
      const path = entry.slice(3);
      if (xy === '??' || xy[0] === 'A') return { path, change: 'add' as const };
      if (xy.includes('D')) return { path, change: 'unlink' as const };
      return { path, change: 'change' as const };
    });
}

/**
 * The run's recorded user-wide ignore file for one git call: an agent that rewrites
 * `~/.gitconfig` or `~/.config/git/ignore` later cannot hide a folder from `parx check`.
 */
function excludesFileOption(excludesFile: string | undefined): string[] {
  return excludesFile ? ['-c', `core.excludesFile=${excludesFile}`] : [];
}

/** Tracked files that the ignore rules match: git tracks them anyway, so they are never "ignored". */
export async function listTrackedIgnored(worktree: string, excludesFile: string | undefined): Promise<string[]> {
  const out = await runGit(worktree, [...excludesFileOption(excludesFile), 'ls-files', '-z', '--cached', '--ignored', '--exclude-standard']);
  return out.split('\0').filter(Boolean);
}

/**
 * Ignored files and folders of a worktree, as git's current rules see them (the rules
 * `git worktree remove` applies when it deletes them): `--directory` names a wholly ignored
 * folder once, with a trailing '/'.
 */
export async function listIgnoredEntries(worktree: string): Promise<string[]> {
  const out = await runGit(worktree, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory']);
  return out.split('\0').filter(Boolean);
}

/** The commits a ref's reflog names, newest first, each once (none when it has no reflog). */
export async function listReflogCommits(cwd: string, ref: string): Promise<string[]> {
  const out = await tryGit(cwd, ['log', '-g', '--format=%H', ref, '--']);
  return [...new Set((out ?? '').split('\n').filter(Boolean))];
}

/**
 * Of these commits, the tips of the history no ref reaches (`--all` includes every worktree's
 * HEAD and parx's backup refs): what would be lost, one tip per line of work.
 */
export async function findUnreachableTips(cwd: string, commits: readonly string[]): Promise<string[]> {
  // On the command line: git 2.39's `rev-list --stdin` takes no `--not --all`. Reflogs are short.
  const out = await runGit(cwd, ['rev-list', '--parents', ...commits.slice(0, 2000), '--not', '--all']);
  const lines = out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
  const parents = new Set(lines.flatMap(([, ...p]) => p));
  return lines.map(([commit]) => commit!).filter((c) => !parents.has(c));
}

/** Commits on `branch` that `base` does not have. */
export async function countCommitsAhead(cwd: string, base: string, branch: string): Promise<number> {
  return Number((await runGit(cwd, ['rev-list', '--count', `${base}..${branch}`])).trim());
}

/** Every ref under a prefix (`refs/parx/backup/`), full names. */
export async function listRefs(cwd: string, prefix: string): Promise<string[]> {
  return (await runGit(cwd, ['for-each-ref', '--format=%(refname)', prefix])).split('\n').filter(Boolean);
}

/** Sets refs in one transaction (`update-ref --stdin`): all are written or none. */
export async function updateRefs(cwd: string, refs: ReadonlyArray<readonly [ref: string, commit: string]>): Promise<void> {
  if (refs.length === 0) return;
  const input = refs.map(([ref, commit]) => `update ${ref} ${commit}\n`).join('');
  await runGit(cwd, ['update-ref', '--stdin'], input);
}

/**
 * `git branch -d` of several branches in one process (safe: git refuses a branch not merged into
 * HEAD). Which were refused is read from the refs that are still there, not from git's messages
 * (which may be translated); returns each refused branch with git's lines that name it.
 */
export async function deleteBranches(cwd: string, branches: readonly string[]): Promise<Map<string, string>> {
  if (branches.length === 0) return new Map();
  const result = await execGit(cwd, ['branch', '-d', '--quiet', ...branches]);
  if (!result.failed) return new Map();
  const left = new Set((await runGit(cwd, ['for-each-ref', '--format=%(refname)', ...branches.map((b) => `refs/heads/${b}`)])).split('\n').filter(Boolean));
  const lines = (result.stderr || result.shortMessage || '').trim().split('\n');
  return new Map(branches.filter((b) => left.has(`refs/heads/${b}`)).map((b) => [b, lines.filter((l) => l.includes(`'${b}'`)).join('\n') || lines.join('\n')]));
}
