import { getSessionOption, hasSession, tryTmux } from '../../adapters/tmux.js';
import {
  getPlaceholderArgv,
  killPane,
  labelWindows,
  listPanes,
  replacePanePrograms,
  startPanes,
  type LabelledWindow,
  type PaneInfo,
} from '../../adapters/tmux-panes.js';
import { UsageError } from '../../core/errors.js';
import { planWindows, type ExistingWindow } from '../../core/pane-layout.js';
import type { UpProgress } from './types.js';

export interface PaneSpec {
  /** A parx session's name, or `guard` with role `guard`. */
  session: string;
  role?: 'guard';
  cwd: string;
  argv: string[];
}

export interface TmuxGrid {
  tmuxSession: string;
  /** Marks the tmux session as this repository's, so a foreign one with the same name is never taken over. */
  owner: string;
  /** A tmux preset layout for each window (`tiled`…). */
  preset: string;
  /** Session panes per window (see core/pane-layout.ts). */
  panesPerWindow: number;
}

/**
 * Pane border: the session name, then its violation count in red once the guard has set
 * `@parx_violations` on the pane, "⏸ waiting" in yellow while `@parx_state` says so, and what
 * the integration radar found (`@parx_integration`: "breaks verify", "conflicts") in red.
 */
const BORDER_FORMAT =
  ' #{?@parx_session,#{@parx_session},#{?@parx_role,#{@parx_role},#{pane_title}}}#{?@parx_violations, #[fg=red bold]✗ #{@parx_violations}#[default],}' +
  '#{?#{==:#{@parx_state},waiting}, #[fg=yellow bold]⏸ waiting#[default],}#{?@parx_integration, #[fg=red bold]⚠ #{@parx_integration}#[default],} ';

/** A pane `up` wants: a session's, or the guard's. */
export interface PaneSlot {
  session: string;
  role?: 'guard';
}

/** The grid as `up` opened it, before the programs start (see openGrid). */
export interface OpenGrid {
  grid: TmuxGrid;
  /** Panes that were there before this `up`, by slot: kept, or restarted when dead and asked. */
  existing: Map<string, PaneInfo>;
  /** Panes holding a placeholder until startPrograms gives them their program, by slot. */
  pending: Map<string, { paneId: string; windowId: string }>;
}

/**
 * Refuses a tmux session of that name that parx did not make for this repository (it is never
 * taken over). Says whether the run's tmux session exists.
 */
export async function checkTmuxSession(grid: Pick<TmuxGrid, 'tmuxSession' | 'owner'>): Promise<boolean> {
  if (!(await hasSession(grid.tmuxSession))) return false;
  const owner = await getSessionOption(grid.tmuxSession, '@parx_owner');
  if (owner !== grid.owner) {
    throw new UsageError(`tmux session "${grid.tmuxSession}" exists and was not made by parx for this repository; rename it or set tmuxSession in the config`);
  }
  return true;
}

/**
 * Opens the grid while the worktrees are still being made: creates the tmux session, the windows
 * and a pane for every slot that has none, each holding a placeholder (planWindows: a pane that
 * exists never moves), laid out and labelled. A pane an earlier `up` left holding its placeholder
 * is taken as one made now. Nothing runs in a worktree yet: startPrograms starts them, each as
 * soon as its session is ready (ops/up/launcher.ts).
 */
export async function openGrid(grid: TmuxGrid, slots: readonly PaneSlot[], placeholderCwd: string): Promise<OpenGrid> {
  const exists = await checkTmuxSession(grid);
  const panes = exists ? await listPanes(grid.tmuxSession) : [];
  const open: OpenGrid = { grid, existing: new Map(), pending: new Map() };
  const missing: PaneSlot[] = [];
  for (const slot of slots) {
    const pane = panes.find((p) => (slot.role ? p.role === slot.role : p.session === slot.session));
    if (!pane) missing.push(slot);
    else if (pane.pending && !pane.dead) open.pending.set(slot.session, { paneId: pane.paneId, windowId: pane.windowId });
    else open.existing.set(slot.session, pane);
  }
  if (missing.length === 0) return open;

  const plan = planWindows({
    existing: listWindows(panes),
    missing: missing.filter((s) => !s.role).map((s) => s.session),
    guardMissing: missing.some((s) => s.role === 'guard'),
    panesPerWindow: grid.panesPerWindow,
  });
  const slotOf = (entry: { session: string; guard?: true }) =>
    missing.find((s) => (entry.guard ? s.role === 'guard' : !s.role && s.session === entry.session))!;
  const started = await startPanes(
    grid.tmuxSession,
    plan.map((w) => ({
      into: 'id' in w.window ? { window: w.window.id } : { newWindow: w.name },
      panes: w.add.map((entry) => ({ cwd: placeholderCwd, argv: getPlaceholderArgv(slotOf(entry).session) })),
    })),
    {
      createSession: !exists,
      preset: grid.preset,
      sessionSetup: [['set-option', '-t', `=${grid.tmuxSession}:`, '@parx_owner', grid.owner]],
      windowSetup: (window) => [
        // A window option, so every pane has it from birth: a finished agent's last screen stays
        // visible (`parx up --respawn` restarts it) even if it exits at once.
        ['set-option', '-w', '-t', window, 'remain-on-exit', 'on'],
        ['set-option', '-w', '-t', window, 'pane-border-status', 'top'],
        ['set-option', '-w', '-t', window, 'pane-border-format', BORDER_FORMAT],
      ],
    },
  );
  const windows = plan.map((w, i): LabelledWindow => ({
    windowId: started[i]![0]?.windowId ?? ('id' in w.window ? w.window.id : ''),
    panes: w.add.map((entry, j) => {
      const slot = slotOf(entry);
      const { paneId, windowId } = started[i]![j]!;
      open.pending.set(slot.session, { paneId, windowId });
      return { paneId, pending: true, ...(slot.role ? { role: slot.role } : { session: slot.session }) };
    }),
    ...(w.rename && { name: w.name }),
  }));
  // Show the first session's pane, as a human reads the grid from the top left of the first window.
  const first = slots.find((s) => !s.role);
  await labelWindows(windows, grid.preset, first && (open.pending.get(first.session)?.paneId ?? open.existing.get(first.session)?.paneId));
  return open;
}

/** The pane a slot has in the grid `up` opened: its placeholder, or the one from before. */
export function getSlotPane(open: OpenGrid, slot: string): string | undefined {
  return open.pending.get(slot)?.paneId ?? open.existing.get(slot)?.paneId;
}

/** Whether starting `slot` starts a new program (a placeholder replaced, or a dead pane restarted when asked). */
export function startsAnew(open: OpenGrid, slot: string, respawn: boolean): boolean {
  return open.pending.has(slot) || (respawn && open.existing.get(slot)?.dead === true);
}

/**
 * Starts these programs in their panes, all in one tmux call: a placeholder is replaced by its
 * program, a live pane from before is kept, a dead one restarted only when asked. Called once
 * per batch of sessions that became ready; placeholders of other slots keep waiting.
 */
export async function startPrograms(open: OpenGrid, specs: readonly PaneSpec[], respawn: boolean, emit: (e: UpProgress) => void): Promise<void> {
  const replace: Array<{ paneId: string; cwd: string; argv: string[] }> = [];
  for (const spec of specs) {
    const pending = open.pending.get(spec.session);
    if (pending) {
      replace.push({ paneId: pending.paneId, cwd: spec.cwd, argv: spec.argv });
      continue;
    }
    const pane = open.existing.get(spec.session);
    if (!pane) continue;
    if (pane.dead && respawn) replace.push({ paneId: pane.paneId, cwd: spec.cwd, argv: spec.argv });
    const action = !pane.dead ? 'kept' : respawn ? 'respawned' : 'dead';
    emit({ type: 'pane', session: spec.session, action, paneId: pane.paneId });
  }
  await replacePanePrograms(replace);
  for (const spec of specs) {
    const pending = open.pending.get(spec.session);
    if (!pending) continue;
    open.pending.delete(spec.session);
    emit({ type: 'pane', session: spec.session, action: 'started', paneId: pending.paneId });
  }
}

/** Closes the placeholders no program was started in (their sessions failed), and lays their windows out again. */
export async function closePlaceholders(open: OpenGrid): Promise<void> {
  const closing = [...open.pending];
  if (closing.length === 0) return;
  for (const [slot, { paneId }] of closing) {
    open.pending.delete(slot);
    await killPane(paneId);
  }
  const windows = new Set(closing.map(([, p]) => p.windowId));
  // A window whose last pane closed is gone (and the tmux session with its last window): not an error.
  await Promise.all([...windows].map((w) => tryTmux(['select-layout', '-t', w, open.grid.preset])));
}

/** The windows of the run's tmux session that hold parx panes, in tmux's order. */
function listWindows(panes: readonly PaneInfo[]): ExistingWindow[] {
  const windows = new Map<string, ExistingWindow>();
  for (const pane of panes) {
    const window = windows.get(pane.windowId) ?? { id: pane.windowId, sessions: [], guard: false };
    windows.set(pane.windowId, window);
    if (pane.session) window.sessions.push(pane.session);
    if (pane.role === 'guard') window.guard = true;
  }
  return [...windows.values()].filter((w) => w.guard || w.sessions.length > 0);
}
