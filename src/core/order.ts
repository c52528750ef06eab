/**
 * Dependency order of sessions (`after:`). Pure; used by validation (cycles), `plan`, and the
 * merge queue of `parx down`.
 */

export interface Dependent {
  name: string;
  after: readonly string[];
}

/**
 * Sessions ordered so that each comes after everything it names in `after`: sessions with no
 * dependencies first, in config order, then each session as soon as its last dependency is
 * placed (Kahn's algorithm with a FIFO queue; sessions freed by the same step keep config
 * order). Names in `after` that are not in the list are ignored here: validation reports them.
 */
export function getDependencyOrder(sessions: readonly Dependent[]): string[] {
  const known = new Set(sessions.map((s) => s.name));
  const waitingOn = new Map(sessions.map((s) => [s.name, new Set(s.after.filter((d) => known.has(d)))]));
  const queue = sessions.filter((s) => waitingOn.get(s.name)!.size === 0).map((s) => s.name);
  const order: string[] = [];
  while (queue.length > 0) {
    const next = queue.shift()!;
    order.push(next);
    for (const s of sessions) {
      const deps = waitingOn.get(s.name)!;
      if (deps.delete(next) && deps.size === 0) queue.push(s.name);
    }
  }
  if (order.length < sessions.length) {
    const cycle = findDependencyCycle(sessions);
    throw new Error(`dependency cycle: ${cycle?.join(' → ') ?? 'unknown'}`);
  }
  return order;
}

/**
 * The first cycle found, as a closed walk (`['a', 'b', 'a']`), or undefined when the graph is
 * acyclic. A session naming itself is a cycle of one.
 */
export function findDependencyCycle(sessions: readonly Dependent[]): string[] | undefined {
  const edges = new Map(sessions.map((s) => [s.name, s.after]));
  const done = new Set<string>();
  const path: string[] = [];

  const visit = (name: string): string[] | undefined => {
    const at = path.indexOf(name);
    if (at >= 0) return [...path.slice(at), name];
    if (done.has(name) || !edges.has(name)) return undefined;
    path.push(name);
    for (const dep of edges.get(name) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(name);
    return undefined;
  };

  for (const s of sessions) {
    const cycle = visit(s.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** `names` and, transitively, every session they merge after, in config order. */
export function getWithDependencies(sessions: readonly Dependent[], names: readonly string[]): string[] {
  const byName = new Map(sessions.map((s) => [s.name, s]));
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name) || !byName.has(name)) return;
    wanted.add(name);
    byName.get(name)!.after.forEach(add);
  };
  names.forEach(add);
  return sessions.filter((s) => wanted.has(s.name)).map((s) => s.name);
}

/** The sessions that merge after `name`, directly or through others. */
export function getDependents(sessions: readonly Dependent[], name: string): string[] {
  const found = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of sessions) {
      if (!found.has(s.name) && s.after.some((d) => d === name || found.has(d))) {
        found.add(s.name);
        grew = true;
      }
    }
  }
  return sessions.filter((s) => found.has(s.name)).map((s) => s.name);
}
