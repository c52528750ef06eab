import { basename, resolve } from 'node:path';
import { getConfigDigest, readConfigFile, readTaskFile } from '../../adapters/config-file.js';
import { getCurrentBranch, locateRepo, realpath, verifyGitVersion, type RepoLocation } from '../../adapters/git.js';
import { RunFiles } from '../../adapters/run-files.js';
import { toTmuxName } from '../../adapters/tmux.js';
import { validateConfig, type ParxConfig } from '../../core/config-validate.js';
import { ConfigError, RefusedError, UsageError } from '../../core/errors.js';
import type { RunState } from '../../core/run-state.js';
import { awaitAll } from './await-all.js';

/** Everything a command needs to know about the repository and its configuration. */
export interface Project extends RepoLocation {
  /** Folder name of the main worktree: `{repo}` in worktreeDir, part of tmux/compose names. */
  repoName: string;
  configFile: string;
  config: ParxConfig;
  /** Where the config came from: the file (`up`, `plan`, no run yet) or the run's snapshot. */
  configSource: 'file' | 'run';
  /** Set when the run's snapshot is used but the file has changed since `up`: what to tell the human. */
  configNotice: string | undefined;
  /** `config.base`, or the branch checked out in the main worktree. */
  base: string;
  /** Where session worktrees go: `worktreeDir` with `{repo}` filled in, from the main worktree. */
  worktreeDir: string;
  files: RunFiles;
  /** The run state as found when the project was loaded (undefined: no run yet). */
  state: RunState | undefined;
}

export interface ProjectOptions {
  cwd?: string;
  /** `--config PATH`, relative to cwd. */
  configPath?: string;
}

/**
 * The repository, its main worktree and the configuration to act on.
 *
 * The configuration is the run's, never a session's: a session's worktree holds its own copy
 * of any config file, which its agent can rewrite (`owns: ["**"]`, a `verify:` of its
 * choosing). So once `parx up` has started a run, every command decides from the snapshot
 * `up` recorded in state.json; `up` and `plan` (`fresh`), or any command before a run exists,
 * read the main worktree's file, searching from cwd only when cwd is in the main worktree.
 */
export async function loadProject(options: ProjectOptions & { fresh?: boolean } = {}): Promise<Project> {
  const cwd = options.cwd ?? process.cwd();
  // Both at once; an old git's answer wins (it cannot run locateRepo's rev-parse flags).
  const [, repo] = await awaitAll([verifyGitVersion(cwd), locateRepo(cwd)] as const);
  const files = new RunFiles(repo.commonDir);
  const state = await files.readState().catch(() => undefined);
  const root = getMainWorktree(repo, state);
  // Asked early, used only when the config names no base.
  const checkedOut = getCurrentBranch(root);

  const snapshot = !options.fresh && !options.configPath && state?.config && Object.keys(state.sessions).length > 0 ? state.config : undefined;
  let configFile: string;
  let config: ParxConfig;
  let configNotice: string | undefined;
  if (snapshot) {
    configFile = state!.configFile;
    // A run started before hosts existed recorded no `hosted`.
    config = { ...snapshot, hosted: snapshot.hosted ?? [] };
    const digest = getConfigDigest(configFile);
    if (state!.configDigest && digest !== state!.configDigest) {
      configNotice = `${configFile} has changed since \`parx up\`; this run keeps the configuration it started with (run \`parx up\` to apply the change)`;
    }
  } else {
    const inMain = repo.toplevel === root;
    const { file, raw } = await readConfigFile(inMain || options.configPath ? cwd : root, [root], options.configPath);
    const validation = validateConfig(raw, { readTaskFile: (path) => readTaskFile(file, path) });
    if (!validation.ok) throw new ConfigError(file, validation.problems);
    configFile = file;
    config = validation.config;
  }
  // Without `base` in the config, a run keeps the base it started from (state.json), even if
  // the main worktree has another branch checked out by now.
  const base = config.base ?? state?.base ?? (await checkedOut);
  if (!base) {
    throw new UsageError(`the main worktree (${root}) has a detached HEAD; check out a branch or set \`base\` in ${configFile}`);
  }
  const repoName = basename(root);
  const worktreeDir = realpath(resolve(root, config.worktreeDir.replaceAll('{repo}', repoName)));
  return {
    toplevel: repo.toplevel,
    commonDir: repo.commonDir,
    root,
    repoName,
    configFile,
    config,
    configSource: snapshot ? 'run' : 'file',
    configNotice,
    base,
    worktreeDir,
    files,
    state,
  };
}

/**
 * The worktree merges land in: the main worktree, or, for a bare repository with linked
 * worktrees, the one the run was started from (recorded by `up`), else the one parx runs in.
 */
function getMainWorktree(repo: { toplevel: string; mainWorktree: string | undefined }, state: RunState | undefined): string {
  return repo.mainWorktree ?? state?.root ?? repo.toplevel;
}

/** The tmux session of the run: `tmuxSession` from the config, else `parx-<repo>`. */
export function getTmuxSessionName(project: Project): string {
  return toTmuxName(project.config.tmuxSession ?? `parx-${project.repoName}`);
}

/**
 * Runs `work` holding the repository's run lock, so that two parx runs never change the same
 * worktrees, branches and state at once; refuses (exit 1) naming the holder when another has it.
 */
export async function withRunLock<T>(project: Project, command: string, work: () => Promise<T>): Promise<T> {
  const lock = await project.files.acquireRunLock(command);
  if ('holder' in lock) {
    throw new RefusedError(
      `another parx ${lock.holder.command} is running on this repository (pid ${lock.holder.pid}); wait for it to finish, then run this again`,
    );
  }
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
