import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { minimatch } from 'minimatch';
import { execGit, runGit } from '../../adapters/git.js';
import { commitTree, predictMerge, type MergePrediction } from '../../adapters/git-merge.js';
import { checkOutScratch, ensureScratchWorktree } from '../../adapters/scratch-worktree.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { prepareCommandRunner } from './command-sandbox.js';
import type { Project } from './project.js';
import { getSessionVariables } from './sessions.js';

/**
 * `resolve:`: a merge whose only conflicts are in files a rule regenerates (a lockfile, a
 * generated index) is not refused: base's version of each such file is put into a scratch
 * checkout of the merged tree, the rule's command regenerates it there, and the result is the
 * merge's tree. The command runs in parx's own scratch checkout (`<run>/resolve/tree`), in the
 * command sandbox, never in a session's worktree or the main checkout; `verify` then judges the
 * merge like any other. A command that fails, or leaves conflict markers, refuses the merge as
 * before, with its output.
 */

export interface ResolvedMerge extends MergePrediction {
  /** Files a resolve rule regenerated (the merge is clean thanks to them). */
  regenerated: string[];
  /** Why the rules could not resolve it: a command's failure and the last of its output. */
  failure: string | undefined;
}

/** The first rule whose glob matches `path`, if any. */
export function findResolveRule(rules: Readonly<Record<string, string>>, path: string): string | undefined {
  return Object.keys(rules).find((glob) => minimatch(path, glob, { dot: true }));
}

/** One resolve at a time per process: they share the scratch checkout. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Merges `theirs` into `ours` (as `predictMerge`), regenerating what the rules cover. `base` is
 * the side whose version of a regenerated file is the starting point: base's, whichever side
 * of the merge it is (`down` and `integrate` merge a session into base; `sync` base into a session).
 */
export async function mergeResolving(
  project: Project,
  ours: string,
  theirs: string,
  base: string,
  session: SessionConfig,
  worktree: string,
): Promise<ResolvedMerge> {
  const prediction = await predictMerge(project.root, ours, theirs);
  const rules = project.config.resolve;
  if (prediction.clean || Object.keys(rules).length === 0) return { ...prediction, regenerated: [], failure: undefined };
  const unruled = prediction.conflicts.filter((path) => !findResolveRule(rules, path));
  if (unruled.length > 0) return { ...prediction, regenerated: [], failure: undefined };
  const run = queue.then(() => regenerate(project, prediction, ours, base, session, worktree));
  queue = run.catch(() => {});
  return run;
}

async function regenerate(
  project: Project,
  prediction: MergePrediction,
  ours: string,
  base: string,
  session: SessionConfig,
  worktree: string,
): Promise<ResolvedMerge> {
  const refuse = (failure: string): ResolvedMerge => ({ ...prediction, regenerated: [], failure });
  const scratch = join(project.files.dir, 'resolve', 'tree');
  const conflicted = await commitTree(project.root, prediction.tree, [ours], 'parx: merge to resolve');
  await ensureScratchWorktree(project.root, scratch, conflicted);
  await checkOutScratch(scratch, conflicted);
  // Base's version of each regenerated file (gone from base: gone here too).
  for (const path of prediction.conflicts) {
    const fromBase = await execGit(scratch, ['checkout', base, '--', path]);
    if (fromBase.failed) await execGit(scratch, ['rm', '-q', '--cached', '--ignore-unmatch', '--', path]);
  }
  const rules = project.config.resolve;
  const commands = [...new Set(prediction.conflicts.map((path) => rules[findResolveRule(rules, path)!]!))];
  const runner = await prepareCommandRunner(project, scratch);
  for (const command of commands) {
    const outcome = await runner.run(command, getSessionVariables(project, session, worktree));
    if (!outcome.ok) {
      const tail = outcome.output.trimEnd().split('\n').slice(-10).join('\n');
      return refuse(`\`${command}\` failed (exit ${outcome.exitCode ?? 'by a signal'})${tail ? `:\n${tail}` : ''}`);
    }
  }
  for (const path of prediction.conflicts) {
    const text = await readFile(join(scratch, path), 'utf8').catch(() => undefined);
    if (text !== undefined && /^(<{7}|>{7}) /m.test(text)) return refuse(`${path} still holds conflict markers after \`${commands.join('`, `')}\``);
  }
  // The regenerated files only: whatever else the command wrote (a cache, node_modules) is not the merge.
  await runGit(scratch, ['add', '-A', '--', ...prediction.conflicts]);
  const tree = (await runGit(scratch, ['write-tree'])).trim();
  return { clean: true, tree, conflicts: [], regenerated: prediction.conflicts, failure: undefined };
}
