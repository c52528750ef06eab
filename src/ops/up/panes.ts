import { getSessionOption, hasSession } from '../../adapters/tmux.js';
import { labelWindows, listPanes, respawnPane, startPanes, type LabelledWindow, type PaneInfo } from '../../adapters/tmux-panes.js';
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

/**
 * Makes sure every session has a pane in the tmux session: creates the session, the windows and
 * the missing panes (see planWindows: a pane that exists never moves), keeps live panes
 * untouched, restarts dead ones only when asked. Returns pane ids.
 */
export async function ensurePanes(grid: TmuxGrid, specs: readonly PaneSpec[], respawn: boolean, emit: (e: UpProgress) => void): Promise<Map<string, string>> {
  const panes = new Map<string, string>();
  let existing: PaneInfo[] = [];
  const exists = await hasSession(grid.tmuxSession);
  if (exists) {
    const owner = await getSessionOption(grid.tmuxSession, '@parx_owner');
    if (owner !== grid.owner) {
      throw new UsageError(
        `tmux session "${grid.tmuxSession}" exists and was not made by parx for this repository; rename it or set tmuxSession in the config`,
      );
    }
    existing = await listPanes(grid.tmuxSession);
  }

  const missing: PaneSpec[] = [];
  for (const spec of specs) {
    const pane = existing.find((p) => (spec.role ? p.role === spec.role : p.session === spec.session));
    if (!pane) {
      missing.push(spec);
      continue;
    }
    panes.set(spec.session, pane.paneId);
    if (pane.dead && respawn) await respawnPane(pane.paneId, spec.cwd, spec.argv);
    const action = !pane.dead ? 'kept' : respawn ? 'respawned' : 'dead';
    emit({ type: 'pane', session: spec.session, action, paneId: pane.paneId });
  }
  if (missing.length === 0) return panes;

  const plan = planWindows({
    existing: listWindows(existing),
    missing: missing.filter((s) => !s.role).map((s) => s.session),
    guardMissing: missing.some((s) => s.role === 'guard'),
    panesPerWindow: grid.panesPerWindow,
  });
  const specOf = (entry: { session: string; guard?: true }) =>
    missing.find((s) => (entry.guard ? s.role === 'guard' : !s.role && s.session === entry.session))!;
  const started = await startPanes(
    grid.tmuxSession,
    plan.map((w) => ({ into: 'id' in w.window ? { window: w.window.id } : { newWindow: w.name }, panes: w.add.map(specOf) })),
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
      const spec = specOf(entry);
      const paneId = started[i]![j]!.paneId;
      panes.set(spec.session, paneId);
      emit({ type: 'pane', session: spec.session, action: 'started', paneId });
      return { paneId, ...(spec.role ? { role: spec.role } : { session: spec.session }) };
    }),
    ...(w.rename && { name: w.name }),
  }));
  // Show the first session's pane, as a human reads the grid from the top left of the first window.
  await labelWindows(windows, grid.preset, panes.get(specs.find((s) => !s.role)?.session ?? ''));
  return panes;
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
