import { basename, resolve } from 'node:path';
import { readConfigFile, readTaskFile } from '../adapters/config-file.js';
import { getCurrentBranch, locateRepo, realpath, verifyGitVersion, type RepoLocation } from '../adapters/git.js';
import { RunFiles } from '../adapters/run-files.js';
import { toTmuxName } from '../adapters/tmux.js';
import { validateConfig, type ParxConfig } from '../core/config-validate.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { awaitAll } from './await-all.js';

/** Everything a command needs to know about the repository and its configuration. */
export interface Project extends RepoLocation {
  /** Folder name of the main worktree: `{repo}` in worktreeDir, part of tmux/compose names. */
  repoName: string;
  configFile: string;
  config: ParxConfig;
  /** `config.base`, or the branch checked out in the main worktree. */
  base: string;
  /** Where session worktrees go: `worktreeDir` with `{repo}` filled in, from the main worktree. */
  worktreeDir: string;
  files: RunFiles;
}

export interface ProjectOptions {
  cwd?: string;
  /** `--config PATH`, relative to cwd. */
  configPath?: string;
}

export async function loadProject(options: ProjectOptions = {}): Promise<Project> {
  const cwd = options.cwd ?? process.cwd();
  // Both at once; an old git's answer wins (it cannot run locateRepo's rev-parse flags).
  const [, repo] = await awaitAll([verifyGitVersion(cwd), locateRepo(cwd)] as const);
  // Asked early, used only when the config names no base.
  const checkedOut = getCurrentBranch(repo.root);
  // From a session's worktree, fall back to the main worktree's config (the run's config).
  const { file, raw } = await readConfigFile(cwd, [repo.toplevel, repo.root], options.configPath).catch(async (error) => {
    if (error instanceof UsageError && !options.configPath && repo.toplevel !== repo.root) {
      return readConfigFile(repo.root, [repo.root]);
    }
    throw error;
  });
  const validation = validateConfig(raw, { readTaskFile: (path) => readTaskFile(file, path) });
  if (!validation.ok) throw new ConfigError(file, validation.problems);
  const config = validation.config;
  // Without `base` in the config, a run keeps the base it started from (state.json), even if
  // the main worktree has another branch checked out by now.
  const files = new RunFiles(repo.commonDir);
  const base = config.base ?? (await files.readState().catch(() => undefined))?.base ?? (await checkedOut);
  if (!base) {
    throw new UsageError(`the main worktree (${repo.root}) has a detached HEAD; check out a branch or set \`base\` in ${file}`);
  }
  const repoName = basename(repo.root);
  const worktreeDir = realpath(resolve(repo.root, config.worktreeDir.replaceAll('{repo}', repoName)));
  return { ...repo, repoName, configFile: file, config, base, worktreeDir, files };
}

/** The tmux session of the run: `tmuxSession` from the config, else `parx-<repo>`. */
export function getTmuxSessionName(project: Project): string {
  return toTmuxName(project.config.tmuxSession ?? `parx-${project.repoName}`);
}
