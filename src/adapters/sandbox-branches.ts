import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGit } from './git.js';
import { registerWorktree } from './git-worktrees.js';
import { resolveGitDir } from './git-dir.js';
import { UsageError } from '../core/errors.js';
import { getSandboxTipRef } from '../core/session-names.js';

/**
 * The sandbox-branch protocol: a sandboxed session's branch lives in its own folder
 * (`refs/heads/parx-sandbox/<session>`, written by its sandbox's own ref store), with
 * `parx/<session>` a link to it while the run lasts; `restorePlainBranch` makes it a plain branch
 * again. Apart from the git adapter because it is parx's protocol, not git's.
 */

/** The sessions whose branch is stored in their own folder (a sandboxed run), in one process. */
export async function listSandboxedBranches(cwd: string): Promise<Set<string>> {
  const out = await runGit(cwd, ['for-each-ref', '--format=%(refname)', 'refs/heads/parx-sandbox/']);
  const prefix = 'refs/heads/parx-sandbox/';
  return new Set(
    out
      .split('\n')
      .filter((r) => r.startsWith(prefix) && r.endsWith('/tip'))
      .map((r) => r.slice(prefix.length, -'/tip'.length)),
  );
}

/**
 * A new sandboxed session's worktree, on a new branch made in the session's own folder at once
 * (where making a plain branch and moving it would take five processes). `linkSessionBranch`
 * then gives it its usual name, off the path of the next worktree's creation.
 */
export async function registerSandboxedWorktree(cwd: string, path: string, session: string, from: string): Promise<void> {
  await registerWorktree(cwd, path, getSandboxTipRef(session).slice('refs/heads/'.length), from);
}

/** `parx/<session>` as a symbolic ref to the branch in the session's own folder. */
export async function linkSessionBranch(cwd: string, session: string): Promise<void> {
  await runGit(cwd, ['symbolic-ref', '-m', 'parx: sandboxed', `refs/heads/parx/${session}`, getSandboxTipRef(session)]);
}

/** Where each of `refs` points, in one process: its commit, and the ref it links to if it is symbolic. */
async function readRefs(cwd: string, refs: readonly string[]): Promise<Map<string, { symref: string; commit: string }>> {
  const out = await runGit(cwd, ['for-each-ref', '--format=%(refname) %(symref) %(objectname)', ...refs]);
  const found = new Map<string, { symref: string; commit: string }>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [name = '', symref = '', commit = ''] = line.split(' ');
    if (refs.includes(name)) found.set(name, { symref, commit });
  }
  return found;
}

/** Moves `parx/<session>` into the session's own folder (a no-op when it is there already). */
export async function storeBranchInSessionFolder(cwd: string, session: string, worktree: string): Promise<void> {
  const branch = `refs/heads/parx/${session}`;
  const tip = getSandboxTipRef(session);
  // In this order, so that a run stopped anywhere leaves the commit reachable by name, and the
  // next `up` finishes: the tip, then the link to it, then the worktree's HEAD.
  const refs = await readRefs(cwd, [branch, tip]);
  const plain = refs.get(branch);
  if (!plain && refs.has(tip)) {
    // A run stopped between creating the worktree on its tip and naming it.
    await linkSessionBranch(cwd, session);
  } else if (plain?.symref !== tip) {
    if (!plain) throw new UsageError(`branch parx/${session} is missing; run \`parx up\` again`);
    await runGit(cwd, ['update-ref', '-m', 'parx: session branch moved into its sandbox folder', tip, plain.commit]);
    await runGit(cwd, ['symbolic-ref', '-m', 'parx: sandboxed', branch, tip]);
  }
  if (readHeadLink(worktree) === branch) await runGit(worktree, ['symbolic-ref', '-m', 'parx: sandboxed', 'HEAD', tip]);
}

/**
 * The ref a worktree's HEAD names, one level only (`git symbolic-ref HEAD` follows every link,
 * and git 2.39 has no `--no-recurse`): read from the HEAD file itself, without a process.
 */
function readHeadLink(worktree: string): string | undefined {
  const gitDir = resolveGitDir(worktree);
  const text = gitDir ? readTextOrEmpty(join(gitDir, 'HEAD')) : '';
  return text.startsWith('ref: ') ? text.slice(5).trim() : undefined;
}

function readTextOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Makes `parx/<session>` a plain branch again (before it is merged away or the sandbox is off).
 * One process when there is nothing to do (no tip in the session's folder): `up` asks this of
 * every unsandboxed session.
 */
export async function restorePlainBranch(cwd: string, session: string, worktree?: string): Promise<void> {
  const branch = `refs/heads/parx/${session}`;
  const tip = getSandboxTipRef(session);
  const refs = await readRefs(cwd, [branch, tip]);
  const stored = refs.get(tip);
  if (!stored) return;
  let plain = refs.get(branch);
  if (plain?.symref === tip) {
    await runGit(cwd, ['update-ref', '--no-deref', '-m', 'parx: session branch back from its sandbox folder', branch, stored.commit]);
    plain = { symref: '', commit: stored.commit };
  }
  // HEAD back on the branch before the tip goes, or the worktree would be on a deleted branch.
  if (worktree && readHeadLink(worktree) === tip) await runGit(worktree, ['symbolic-ref', '-m', 'parx: sandbox off', 'HEAD', branch]);
  // The tip goes only when the plain branch holds the same commit (nothing is ever dropped).
  if (plain && !plain.symref && plain.commit === stored.commit) await runGit(cwd, ['update-ref', '-d', tip, stored.commit]);
}
