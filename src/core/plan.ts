import { createGlobIndex } from './glob-index.js';
import type { OwnedSession } from './ownership.js';

/** How the configured ownership maps onto the files of the base tree (`parx plan`). */
export interface OwnershipPlan {
  files: number;
  sessions: Array<{
    name: string;
    owns: string[];
    files: number;
    /** Globs that match no file yet: fine for new modules, a typo otherwise. */
    unmatchedGlobs: string[];
  }>;
  /** Files claimed by two or more sessions, with the claimants in config order. */
  overlaps: Array<{ path: string; sessions: string[] }>;
  shared: number;
  unowned: number;
}

export function computeOwnershipPlan(files: readonly string[], sessions: readonly OwnedSession[], shared: readonly string[]): OwnershipPlan {
  // One key per (session, glob) so that globs matching nothing can be reported too.
  const globKeys = sessions.flatMap((s) => s.owns.map((glob) => ({ session: s.name, glob })));
  const index = createGlobIndex(globKeys.map((key) => ({ key, globs: [key.glob] })));
  const sharedIndex = createGlobIndex([{ key: true, globs: shared }]);

  const filesPerSession = new Map(sessions.map((s) => [s.name, 0]));
  const globHits = new Set<(typeof globKeys)[number]>();
  const overlaps: OwnershipPlan['overlaps'] = [];
  let unowned = 0;
  let sharedCount = 0;

  for (const path of files) {
    const hits = index.match(path);
    hits.forEach((h) => globHits.add(h));
    const owners = [...new Set(hits.map((h) => h.session))];
    owners.forEach((o) => filesPerSession.set(o, filesPerSession.get(o)! + 1));
    if (owners.length > 1) overlaps.push({ path, sessions: owners });
    if (sharedIndex.match(path).length > 0) sharedCount++;
    else if (owners.length === 0) unowned++;
  }

  return {
    files: files.length,
    sessions: sessions.map((s) => ({
      name: s.name,
      owns: [...s.owns],
      files: filesPerSession.get(s.name)!,
      unmatchedGlobs: globKeys.filter((k) => k.session === s.name && !globHits.has(k)).map((k) => k.glob),
    })),
    overlaps,
    shared: sharedCount,
    unowned,
  };
}
