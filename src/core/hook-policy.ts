import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { WriteTargets } from './hook-payload.js';
import { createOwnership, isAlwaysIgnored } from './ownership.js';

/**
 * Whether an agent may write the files it is about to write, decided before the write happens
 * (`parx hook check-write`). Pure: the policy is what `parx up` wrote for the run; the caller
 * resolves real paths and knows git's ignore rules.
 */

export interface HookPolicy {
  version: 1;
  /** The main worktree. */
  root: string;
  shared: string[];
  sessions: Array<{ name: string; owns: string[]; worktree: string }>;
}

export type WriteDecision = { allow: true } | { allow: false; path: string; reason: string };

/**
 * Denies the first target that the session may not write: a path in its worktree that it
 * does not own (and git does not ignore), or any path in another session's worktree or in the
 * main checkout. Paths outside the repository are not parx's business.
 */
export function judgeWrites(policy: HookPolicy, session: string, targets: WriteTargets, isIgnored: (path: string) => boolean): WriteDecision {
  const self = policy.sessions.find((s) => s.name === session);
  if (!self) return { allow: true };
  const ownership = createOwnership(policy.sessions, policy.shared);
  const owns = self.owns.join(', ');
  for (const target of targets.paths) {
    const absolute = isAbsolute(target) ? resolve(target) : resolve(targets.cwd ?? self.worktree, target);
    const inOwn = within(self.worktree, absolute);
    if (inOwn !== undefined) {
      if (inOwn === '' || isAlwaysIgnored(inOwn)) continue;
      const verdict = ownership.classify(session, inOwn);
      if (verdict.kind === 'owned' || verdict.kind === 'shared' || isIgnored(inOwn)) continue;
      const reason =
        verdict.kind === 'trespass'
          ? `parx: ${inOwn} belongs to session "${verdict.owner}"; session "${session}" owns only ${owns}. Do not change it, and do not work around this by other means: stop and report to the human what you need changed in ${inOwn}, so they can coordinate with "${verdict.owner}".`
          : `parx: ${inOwn} is outside what session "${session}" owns (${owns}), and no session owns it. Do not change it: stop and report to the human why you need to.`;
      return { allow: false, path: inOwn, reason };
    }
    const other = policy.sessions.find((s) => s.name !== session && within(s.worktree, absolute) !== undefined);
    if (other) {
      return { allow: false, path: absolute, reason: `parx: ${absolute} is in the worktree of session "${other.name}". Work only in your own worktree, ${self.worktree}: stop and report what you need from "${other.name}".` };
    }
    if (within(policy.root, absolute) !== undefined) {
      return { allow: false, path: absolute, reason: `parx: ${absolute} is in the main checkout, which no session may change. Work only in your own worktree, ${self.worktree}.` };
    }
  }
  return { allow: true };
}

/** `path` relative to `dir` with '/' separators when it is inside it, else undefined. */
function within(dir: string, path: string): string | undefined {
  const rel = relative(dir, path);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}
