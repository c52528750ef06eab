import { isAbsolute, relative, sep } from 'node:path';
import { createOwnership, type OwnershipGrant, type Verdict } from './ownership.js';

/**
 * Whether an agent may write the files it is about to write, decided before the write happens
 * (`parx hook check-write`). Pure: the policy is what `parx up` wrote for the run; the caller
 * resolves every target to an absolute real path (symlinks followed) and knows git's ignore rules.
 */

export interface HookPolicy {
  version: 2;
  /** The main worktree. */
  root: string;
  /** The git common dir: objects, refs, config, hooks and parx's own run files. */
  commonDir: string;
  /** The copy `up` made of git's user-wide ignore file (the hook, the guard and check all read it). */
  excludesFile: string;
  /**
   * Files outside the repository that change what git ignores or how it behaves for every
   * worktree (`~/.gitconfig`, the excludes file…): an agent that rewrites them could hide
   * another session's folder from git, so they are never writable through a hooked tool.
   */
  gitSources: string[];
  shared: string[];
  /** `approve`: whether the hook approves the session's edits to what it owns (absent: `owned`). */
  sessions: Array<{ name: string; owns: string[]; worktree: string; approve?: 'owned' | 'ask' }>;
  /** Paths whose ownership `parx grant` moved, in the order granted. */
  grants?: OwnershipGrant[];
}

/**
 * `owned`: every target is in the session's own worktree and owned by it or shared, so parx can
 * vouch for the write (approve it); otherwise parx only lets it through to the agent's own
 * permission flow (an ignored build file, a path outside the repository).
 */
export type WriteDecision = { allow: true; owned: boolean } | { allow: false; path: string; reason: string; owner?: string };

/**
 * Denies the first target the session may not write: anything of git's (a `.git` segment
 * anywhere, the common dir, git's user-wide config and ignore files), a path in its worktree
 * that it does not own (unless git ignores it and does not track it), or any path in another
 * session's worktree or in the main checkout. Other paths outside the repository are not
 * parx's business. `targets` are absolute real paths.
 */
export function judgeWrites(policy: HookPolicy, session: string, targets: readonly string[], isIgnored: (path: string) => boolean): WriteDecision {
  const self = policy.sessions.find((s) => s.name === session);
  if (!self) return { allow: true, owned: false };
  const ownership = createOwnership(policy.sessions, policy.shared, policy.grants);
  const classify = (path: string) => ownership.classify(session, path);
  for (const target of targets) {
    const denial = judgeOne(policy, self, target, classify, isIgnored);
    if (denial) return denial;
  }
  const owned =
    targets.length > 0 &&
    targets.every((t) => {
      const inOwn = within(self.worktree, t);
      const kind = inOwn ? classify(inOwn).kind : undefined;
      return kind === 'owned' || kind === 'shared';
    });
  return { allow: true, owned };
}

function judgeOne(
  policy: HookPolicy,
  self: HookPolicy['sessions'][number],
  target: string,
  classify: (path: string) => Verdict,
  isIgnored: (path: string) => boolean,
): Extract<WriteDecision, { allow: false }> | undefined {
  const session = self.name;
  if (hasGitSegment(target) || within(policy.commonDir, target) !== undefined) {
    return {
      allow: false,
      path: target,
      reason: `parx: ${target} is git's own data; no session may write it. Work only in the files of your worktree, ${self.worktree}.`,
    };
  }
  if (policy.gitSources.includes(target)) {
    return {
      allow: false,
      path: target,
      reason: `parx: ${target} configures git for every session (what it ignores, how it behaves); no session may change it. Stop and report to the human why you need to.`,
    };
  }
  const inOwn = within(self.worktree, target);
  if (inOwn !== undefined) {
    if (inOwn === '') return undefined;
    const verdict = classify(inOwn);
    if (verdict.kind === 'owned' || verdict.kind === 'shared' || isIgnored(inOwn)) return undefined;
    const owns = self.owns.join(', ');
    if (verdict.kind === 'trespass') {
      return {
        allow: false,
        path: inOwn,
        owner: verdict.owner,
        reason: `parx: ${inOwn} belongs to session "${verdict.owner}"; session "${session}" owns only ${owns}. Do not change it, and do not work around this by other means: stop and report to the human what you need changed in ${inOwn}, so they can coordinate with "${verdict.owner}".`,
      };
    }
    return {
      allow: false,
      path: inOwn,
      reason: `parx: ${inOwn} is outside what session "${session}" owns (${owns}), and no session owns it. Do not change it: stop and report to the human why you need to.`,
    };
  }
  const other = policy.sessions.find((s) => s.name !== session && within(s.worktree, target) !== undefined);
  if (other) {
    return {
      allow: false,
      path: target,
      owner: other.name,
      reason: `parx: ${target} is in the worktree of session "${other.name}". Work only in your own worktree, ${self.worktree}: stop and report what you need from "${other.name}".`,
    };
  }
  if (within(policy.root, target) !== undefined) {
    return {
      allow: false,
      path: target,
      reason: `parx: ${target} is in the main checkout, which no session may change. Work only in your own worktree, ${self.worktree}.`,
    };
  }
  return undefined;
}

/** Whether any segment of the path is `.git`: a repository's data, a worktree's link to it, or a nested repository. */
export function hasGitSegment(path: string): boolean {
  return path.split(/[\\/]/).some((segment) => segment.toLowerCase() === '.git');
}

/**
 * `path` relative to `dir` with '/' separators when it is inside it (or is it: ''), else
 * undefined. By segments: `<dir>/..notes.md` is inside, `<dir>/../x` is not.
 */
export function within(dir: string, path: string): string | undefined {
  const rel = relative(dir, path);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}
