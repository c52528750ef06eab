import { escapeFormat, getSessionOption, hasSession, tmux } from '../adapters/tmux.js';
import { listPanes, respawnPane, startPanes, type PaneInfo } from '../adapters/tmux-panes.js';
import { UsageError } from '../core/errors.js';
import type { UpProgress } from './up-types.js';

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
  layout: string;
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
 * Makes sure every session has a pane in the tmux session: creates the session and the missing
 * panes, keeps live panes untouched, restarts dead ones only when asked. Returns pane ids.
 */
export async function ensurePanes(grid: TmuxGrid, specs: readonly PaneSpec[], respawn: boolean, emit: (e: UpProgress) => void): Promise<Map<string, string>> {
  const panes = new Map<string, string>();
  let existing: PaneInfo[] = [];
  let windowId: string | undefined;

  if (await hasSession(grid.tmuxSession)) {
    const owner = await getSessionOption(grid.tmuxSession, '@parx_owner');
    if (owner !== grid.owner) {
      throw new UsageError(`tmux session "${grid.tmuxSession}" exists and was not made by parx for this repository; rename it or set tmuxSession in the config`);
    }
    existing = await listPanes(grid.tmuxSession);
    windowId = existing.find((p) => p.session)?.windowId ?? existing[0]?.windowId;
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

  // Every missing pane in one tmux call (more only if the commands pass tmux's 16 KB message
  // limit), then their identities and the layout in another.
  const session = `=${grid.tmuxSession}:`;
  const started = await startPanes(windowId ? { window: windowId } : { session: grid.tmuxSession }, missing, {
    layout: grid.layout,
    windowSetup: [
      // A window option, so every pane has it from birth: a finished agent's last screen stays
      // visible (`parx up --respawn` restarts it) even if it exits at once.
      ['set-option', '-w', '-t', session, 'remain-on-exit', 'on'],
      ['set-option', '-t', session, '@parx_owner', grid.owner],
      ['rename-window', '-t', session, 'parx'],
      ['set-option', '-w', '-t', session, 'pane-border-status', 'top'],
      ['set-option', '-w', '-t', session, 'pane-border-format', BORDER_FORMAT],
    ],
  });
  windowId ??= started[0]?.windowId;
  const finish = missing.flatMap((spec, i): string[][] => {
    const paneId = started[i]!.paneId;
    panes.set(spec.session, paneId);
    emit({ type: 'pane', session: spec.session, action: 'started', paneId });
    return [
      // Identity lives in a user option: programs overwrite pane titles with escape codes.
      spec.role ? ['set-option', '-p', '-t', paneId, '@parx_role', spec.role] : ['set-option', '-p', '-t', paneId, '@parx_session', spec.session],
      ['select-pane', '-t', paneId, '-T', escapeFormat(spec.role ?? spec.session)],
    ];
  });
  // Leave the first session's pane selected, as a human reads the grid from the top left.
  const first = panes.get(specs.find((s) => !s.role)?.session ?? '');
  if (windowId) finish.push(['select-layout', '-t', windowId, grid.layout]);
  if (first) finish.push(['select-pane', '-t', first]);
  if (finish.length > 0) await tmux(finish);
  return panes;
}
