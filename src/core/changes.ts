import { isAlwaysIgnored, type Ownership } from './ownership.js';

/**
 * Changes a session made, judged against ownership (docs/guide.md, `parx guard` and `check`). Pure: the
 * changes come from git (check) or from the watcher (guard).
 */

export type ChangeKind = 'add' | 'change' | 'unlink';

export interface PathChange {
  /** Repository-relative, `/`-separated. */
  path: string;
  change: ChangeKind;
}

export interface Violation {
  session: string;
  path: string;
  kind: 'trespass' | 'outside';
  /** The session that owns the path, for a trespass. */
  owner?: string;
  change: ChangeKind;
}

export interface Collision {
  path: string;
  /** Every session that changed the path, in config order. */
  sessions: string[];
}

/** The violation a change is, or undefined when the session may make it. */
export function judgeChange(ownership: Ownership, session: string, change: PathChange): Violation | undefined {
  if (isAlwaysIgnored(change.path)) return undefined;
  const verdict = ownership.classify(session, change.path);
  if (verdict.kind === 'trespass') return { session, path: change.path, kind: 'trespass', owner: verdict.owner, change: change.change };
  if (verdict.kind === 'outside') return { session, path: change.path, kind: 'outside', change: change.change };
  return undefined;
}

/**
 * Merges committed and working-tree changes of one session into one entry per path: the
 * working tree is the newer truth, so its kind wins (committed add + later edit = add).
 */
export function mergeChanges(committed: readonly PathChange[], uncommitted: readonly PathChange[]): PathChange[] {
  const byPath = new Map<string, PathChange>();
  for (const c of committed) byPath.set(c.path, c);
  for (const c of uncommitted) {
    const before = byPath.get(c.path);
    // Against base: added on the branch then edited is still an addition; added then deleted
    // is no change at all.
    if (before?.change === 'add' && c.change === 'unlink') byPath.delete(c.path);
    else byPath.set(c.path, before?.change === 'add' && c.change === 'change' ? before : c);
  }
  return [...byPath.values()].filter((c) => !isAlwaysIgnored(c.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Paths changed by two or more sessions. `order` is config order, for stable output. */
export function findCollisions(changedBySession: ReadonlyMap<string, Iterable<string>>, order: readonly string[]): Collision[] {
  const sessionsByPath = new Map<string, string[]>();
  for (const session of order) {
    for (const path of changedBySession.get(session) ?? []) {
      const list = sessionsByPath.get(path);
      if (list) list.push(session);
      else sessionsByPath.set(path, [session]);
    }
  }
  return [...sessionsByPath]
    .filter(([, sessions]) => sessions.length > 1)
    .map(([path, sessions]) => ({ path, sessions }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}
