/**
 * Which tmux window each pane of a run goes in. Pure: ops/up/panes.ts turns the plan into tmux
 * commands.
 *
 * Up to `panesPerWindow` session panes share a window, named after the sessions it holds. The
 * guard shares the one window when every session fits in it, else it has a window of its own.
 * A pane that exists is never moved: sessions added later fill the windows that have room, then
 * new windows.
 */

export interface ExistingWindow {
  id: string;
  /** The parx sessions whose panes are in it, in pane order. */
  sessions: string[];
  guard: boolean;
}

export interface WindowPlan {
  /** An existing window (its id) or a new one, made in plan order after the existing ones. */
  window: { id: string } | { new: true };
  /** Its name once the new panes are in. */
  name: string;
  /** What to start in it, in order: session names, `guard` for the guard pane (`role: guard`). */
  add: Array<{ session: string; guard?: true }>;
  /** Whether its name changes (an existing window gaining sessions). */
  rename: boolean;
}

export interface LayoutRequest {
  existing: readonly ExistingWindow[];
  /** Sessions that need a pane, in config order. */
  missing: readonly string[];
  guardMissing: boolean;
  panesPerWindow: number;
}

/** The windows that gain panes, existing ones first (in their order), then new ones. */
export function planWindows(request: LayoutRequest): WindowPlan[] {
  const { panesPerWindow: per } = request;
  interface Draft {
    window: WindowPlan['window'];
    sessions: string[];
    /** The guard's own window, which takes no sessions. */
    guardOnly: boolean;
    add: WindowPlan['add'];
    /** Its name before this `up` (undefined: a new window). */
    nameBefore: string | undefined;
  }
  const windows: Draft[] = request.existing.map((w) => ({
    window: { id: w.id },
    sessions: [...w.sessions],
    guardOnly: w.guard && w.sessions.length === 0,
    add: [],
    nameBefore: nameWindow(w.sessions),
  }));
  const fresh = (): Draft => {
    const w: Draft = { window: { new: true }, sessions: [], guardOnly: false, add: [], nameBefore: undefined };
    windows.push(w);
    return w;
  };
  // On a first `up` whose sessions all fit one window, the guard joins them; otherwise it gets a
  // window of its own, made first so that it keeps its place as session windows are added.
  const guardJoins = request.existing.length === 0 && request.missing.length <= per;
  if (request.guardMissing && !guardJoins) {
    const w = fresh();
    w.guardOnly = true;
    w.add.push({ session: 'guard', guard: true });
  }
  for (const session of request.missing) {
    const into = windows.find((w) => !w.guardOnly && w.sessions.length < per) ?? fresh();
    into.sessions.push(session);
    into.add.push({ session });
  }
  if (request.guardMissing && guardJoins) (windows[0] ?? fresh()).add.push({ session: 'guard', guard: true });
  return windows
    .filter((w) => w.add.length > 0)
    .map((w) => {
      const name = nameWindow(w.sessions);
      return { window: w.window, name, add: w.add, rename: w.nameBefore !== undefined && w.nameBefore !== name };
    });
}

/** A window is named after its sessions; when they do not fit 24 characters, its first and last. */
export function nameWindow(sessions: readonly string[]): string {
  if (sessions.length === 0) return 'guard';
  const all = sessions.join(',');
  return all.length <= 24 ? all : `${sessions[0]}…${sessions.at(-1)}`;
}

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** The size of a tmux session made detached (tmux's own default, 80×24, is too small for a grid). */
export const DETACHED_SIZE: TerminalSize = { columns: 240, rows: 70 };

/**
 * The `layout` setting (a preset, or `{preset, panesPerWindow}`) with the number of panes per
 * window filled in: unless the config sets it, from the terminal the user will attach with, or
 * the detached size when `up` runs in none.
 */
export function resolveLayout(
  layout: string | { preset: string; panesPerWindow?: number | undefined },
  terminal: TerminalSize | undefined,
): { preset: string; panesPerWindow: number } {
  const { preset, panesPerWindow } = typeof layout === 'string' ? { preset: layout, panesPerWindow: undefined } : layout;
  const size = terminal ?? DETACHED_SIZE;
  return { preset, panesPerWindow: panesPerWindow ?? getDefaultPanesPerWindow(size.columns, size.rows) };
}

/**
 * How many session panes share a window when the config does not say: as many as leave each pane
 * at least 79 columns and 23 rows (its border included) on a terminal of this size, between 2 and
 * 9. A detached run's tmux session is 240×70: 3 × 2 = 6.
 */
export function getDefaultPanesPerWindow(columns: number, rows: number): number {
  // One column between panes; one row of the terminal for tmux's status line.
  const across = Math.floor((columns + 1) / 80);
  const down = Math.floor(rows / 24);
  return Math.min(9, Math.max(2, across * down));
}
