import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { getGitUrl, getHostedRef, INCOMING_BASE_REF } from '../core/hosts.js';
import { getSessionBranch } from '../core/session-names.js';
import { getGitSshEnv, type SshHost } from './ssh.js';
import { getCommit, runGit } from './git.js';

/**
 * The git side of hosted sessions (docs/hosts.md): commits cross between this machine and a
 * host only through git's own ssh transport, into refs parx owns on either side (never a
 * branch of the user's is forced), over the host's shared ssh connection.
 */

/** Sends base's tip to the host, under a ref of parx's there (the host fast-forwards its base from it). */
export async function pushBase(root: string, host: SshHost, tip: string): Promise<void> {
  await runGit(root, ['push', '--quiet', '--no-verify', getGitUrl(host), `+${tip}:${INCOMING_BASE_REF}`], undefined, withSsh(host));
}

/**
 * Brings the hosted sessions' branches here, each under refs/parx/hosts/<host>/<session>; returns
 * their tips as fetched. Only branches the host said exist are asked for.
 */
export async function fetchHostedBranches(root: string, host: SshHost, sessions: readonly string[]): Promise<Map<string, string>> {
  if (sessions.length === 0) return new Map();
  const specs = sessions.map((s) => `+refs/heads/${getSessionBranch(s)}:${getHostedRef(host.name, s)}`);
  await runGit(root, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', getGitUrl(host), ...specs], undefined, withSsh(host));
  const tips = await Promise.all(sessions.map((s) => getCommit(root, getHostedRef(host.name, s))));
  return new Map(sessions.flatMap((s, i) => (tips[i] ? [[s, tips[i]] as [string, string]] : [])));
}

/** Forgets a hosted session's fetched branch (it landed, or the host removed it). */
export async function deleteHostedRef(root: string, host: string, session: string): Promise<void> {
  await runGit(root, ['update-ref', '-d', getHostedRef(host, session)]);
}

/**
 * On the host: the clone at `dir`, made when missing (`git init`, HEAD on base, so that the first
 * push brings everything). Returns whether it was made.
 */
export async function ensureClone(dir: string, base: string): Promise<boolean> {
  if (existsSync(join(dir, '.git'))) return false;
  // A folder of something else is never made a repository: only a missing or empty one.
  if ((await readdir(dir).catch(() => [])).length > 0)
    throw new Error(`${dir} exists and is not a git clone: empty it, or point hosts.<name>.dir at the clone or at a new folder`);
  await mkdir(dir, { recursive: true });
  await runGit(dir, ['init', '--quiet']);
  await runGit(dir, ['symbolic-ref', 'HEAD', `refs/heads/${base}`]);
  return true;
}

/**
 * On the host: base fast-forwarded to what this machine pushed. In the checkout when base is
 * checked out there (a merge that refuses to overwrite local changes, and works on a new clone's
 * unborn branch); as a ref update that refuses anything but a fast-forward otherwise. A host
 * whose base has commits this machine lacks is refused, never overwritten.
 */
export async function fastForwardBase(dir: string, base: string): Promise<void> {
  const head = (await runGit(dir, ['symbolic-ref', '--quiet', 'HEAD']).catch(() => '')).trim();
  if (head === `refs/heads/${base}`) await runGit(dir, ['merge', '--quiet', '--ff-only', INCOMING_BASE_REF]);
  else await runGit(dir, ['fetch', '--quiet', '.', `${INCOMING_BASE_REF}:refs/heads/${base}`]);
}

/** git's environment for the host's URL: the caller's, with the host's shared ssh connection. */
function withSsh(host: SshHost): Record<string, string> {
  return { ...process.env, ...getGitSshEnv(host) } as Record<string, string>;
}
