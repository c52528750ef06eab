import { createGlobIndex } from './glob-index.js';

/**
 * Who may change a path. A change by session S at path P is:
 *   - fine when P matches S's `owns` or the `shared` globs;
 *   - a `trespass` when P matches another session's `owns` (that session is the owner);
 *   - `outside` otherwise.
 * A grant (`parx grant`) moves one path, or a folder and everything under it, to a session for
 * the rest of the run: it decides before any glob, and the latest grant of a path wins.
 */

export interface OwnedSession {
  name: string;
  owns: readonly string[];
}

export type Verdict = { kind: 'owned' } | { kind: 'shared' } | { kind: 'trespass'; owner: string } | { kind: 'outside' };

export interface Ownership {
  /** Sessions whose `owns` match `path`, in config order. */
  ownersOf(path: string): readonly string[];
  isShared(path: string): boolean;
  classify(session: string, path: string): Verdict;
}

/** Ownership of `path` (a file, or a folder and all under it) moved to session `to`. */
export interface OwnershipGrant {
  path: string;
  to: string;
}

const SHARED = Symbol('shared');

export function createOwnership(sessions: readonly OwnedSession[], shared: readonly string[], grants: readonly OwnershipGrant[] = []): Ownership {
  const index = createGlobIndex<string | typeof SHARED>([...sessions.map((s) => ({ key: s.name, globs: s.owns })), { key: SHARED, globs: shared }]);
  const grantee = (path: string) => findGrant(grants, path)?.to;
  const ownersOf = (path: string) => {
    const to = grantee(path);
    return to !== undefined ? [to] : index.match(path).filter((k): k is string => k !== SHARED);
  };
  return {
    ownersOf,
    isShared: (path) => index.match(path).includes(SHARED),
    classify(session, path) {
      const to = grantee(path);
      if (to !== undefined) {
        if (to === session) return { kind: 'owned' };
        return index.match(path).includes(SHARED) ? { kind: 'shared' } : { kind: 'trespass', owner: to };
      }
      const keys = index.match(path);
      if (keys.includes(session)) return { kind: 'owned' };
      if (keys.includes(SHARED)) return { kind: 'shared' };
      const owner = keys.find((k): k is string => k !== SHARED);
      return owner ? { kind: 'trespass', owner } : { kind: 'outside' };
    },
  };
}

/** The latest grant covering `path`: the path itself, or a folder it is in. */
export function findGrant<G extends OwnershipGrant>(grants: readonly G[], path: string): G | undefined {
  for (let i = grants.length - 1; i >= 0; i--) {
    const g = grants[i]!;
    if (path === g.path || path.startsWith(`${g.path}/`)) return g;
  }
  return undefined;
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

/**
 * The temporary files tools write next to a file and rename over it a moment later (`sed -i`'s
 * `sedXXXXXX`, vim's `4913` probe and swap files, `*.tmp`, `*~`, Emacs's `.#name`): the guard
 * waits a moment before it calls one a violation, and drops it if it is gone by then. Only the
 * wait differs: one that stays is a violation like any file.
 */
export function looksLikeTemporaryFile(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return /^sed[A-Za-z0-9]{6}$|^4913$|^\..*\.sw[a-p]$|\.tmp$|~$|^\.#/.test(name);
}
