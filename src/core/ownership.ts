import { createGlobIndex } from './glob-index.js';

/**
 * Who may change a path. A change by session S at path P is:
 *   - fine when P matches S's `owns` or the `shared` globs;
 *   - a `trespass` when P matches another session's `owns` (that session is the owner);
 *   - `outside` otherwise.
 */

export interface OwnedSession {
  name: string;
  owns: readonly string[];
}

export type Verdict =
  | { kind: 'owned' }
  | { kind: 'shared' }
  | { kind: 'trespass'; owner: string }
  | { kind: 'outside' };

export interface Ownership {
  /** Sessions whose `owns` match `path`, in config order. */
  ownersOf(path: string): readonly string[];
  isShared(path: string): boolean;
  classify(session: string, path: string): Verdict;
}

const SHARED = Symbol('shared');

export function createOwnership(sessions: readonly OwnedSession[], shared: readonly string[]): Ownership {
  const index = createGlobIndex<string | typeof SHARED>([
    ...sessions.map((s) => ({ key: s.name, globs: s.owns })),
    { key: SHARED, globs: shared },
  ]);
  const ownersOf = (path: string) => index.match(path).filter((k): k is string => k !== SHARED);
  return {
    ownersOf,
    isShared: (path) => index.match(path).includes(SHARED),
    classify(session, path) {
      const keys = index.match(path);
      if (keys.includes(session)) return { kind: 'owned' };
      if (keys.includes(SHARED)) return { kind: 'shared' };
      const owner = keys.find((k): k is string => k !== SHARED);
      return owner ? { kind: 'trespass', owner } : { kind: 'outside' };
    },
  };
}

/**
 * Paths that never count as a session's change: the worktree's own `.git` (git's link to its
 * data). Nothing else is skipped by name: a `node_modules` or `.git` deeper in the tree is
 * judged like any path unless git's ignore rules say otherwise (`src/b/node_modules/x.js` is
 * session b's, and mergeable, when the repository ignores only `/node_modules`).
 */
export function isAlwaysIgnored(path: string): boolean {
  return path === '.git' || path.startsWith('.git/');
}
