import { describeReviewCell } from '../../core/review.js';
import { describeLandingWaits } from '../../core/landing.js';
import { countTokens, type Usage } from '../../core/usage.js';
import { emitKeypressEvents } from 'node:readline';
import { attachOrSwitch } from '../../adapters/tmux.js';
import { focusPane } from '../../adapters/tmux-panes.js';
import { renderDashboard, type DashboardInput, type Paint } from '../../core/dashboard.js';
import { runCheck } from '../../ops/check.js';
import { describeVerdict, type IntegrationRecord } from '../../core/integration.js';
import { runIntegrate } from '../../ops/integrate/integrate.js';
import { runGrant, runRefuse } from '../../ops/requests.js';
import { runStatus, type StatusResult } from '../../ops/status.js';
import { followRunChanges } from '../../ops/status-watch.js';
import type { GlobalOptions } from '../options.js';
import { print, safe, style } from '../output.js';
import { statusCommand } from './status.js';

/**
 * `parx status --watch`: the run on one screen, redrawn within a moment of any change (see
 * ops/status-watch.ts for what it follows; nothing polls). Drawn with plain ANSI on the
 * alternate screen rather than a TUI library: one table redrawn whole costs nothing, and the
 * command starts as fast as `parx status`. Not on a terminal, it is `parx status`.
 */
export async function statusWatchCommand(options: GlobalOptions): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) return statusCommand(options);
  const out = process.stdout;
  let status: StatusResult | undefined;
  let selected = 0;
  let panel: string[] = [];
  let busy = false;
  let again = false;
  let stopped = false;
  /** Ends the screen once the run is finished (set once the keys are listened to). */
  let finish: (() => void) | undefined;

  const paint: Paint = (text, kind) => (kind === 'inverse' ? `\x1b[7m${text}\x1b[27m` : style[kind](text));
  const draw = () => {
    if (!status || stopped) return;
    const input: DashboardInput = {
      base: status.base,
      sessions: status.sessions.map((s) => ({
        name: s.name,
        state: s.state === 'landed' ? `landed ${s.landed!.commit.slice(0, 7)}` : s.state === 'not-started' ? 'not started' : s.state,
        since: s.since,
        owns: s.owns.map(safe),
        granted: s.granted.map(safe),
        ahead: s.ahead,
        changed: s.changed.length,
        violations: s.violations.length,
        requests: s.requests,
        pendingMessages: s.pendingMessages,
        merge: s.landed ? 'landed' : s.abandoned ? 'abandoned' : s.mergeable === null ? 'no branch' : s.mergeable ? 'clean' : 'conflicts',
        review: describeReviewCell(s.review, s.needsHuman !== null),
        violationPaths: s.violations.map((v) => `${safe(v.path)}${v.owner ? ` (${v.owner}'s)` : ''}`),
      })),
      requests: status.requests.map((r) => ({ id: r.id, from: r.from, owner: r.owner, path: safe(r.path), reason: safe(r.reason) })),
      forecast: status.forecast.map((f) => ({ sessions: f.sessions, files: f.files.map(safe) })),
      integration: summarizeIntegration(status),
      landing: [...describeLandingWaits(status.sessions).map(safe), ...describeUsageLine(status.sessions)],
      finished: status.finished,
      selected,
      panel,
      updated: new Date().toISOString(),
      width: out.columns || 80,
      height: out.rows || 24,
    };
    out.write(`\x1b[H\x1b[2J${renderDashboard(input, paint).join('\r\n')}`);
  };
  // One refresh at a time; changes during one ask for one more after it.
  const refresh = async () => {
    if (busy) return void (again = true);
    busy = true;
    try {
      status = await runStatus({ configPath: options.config });
      selected = Math.min(selected, Math.max(0, status.sessions.length + status.requests.length - 1));
    } catch (error) {
      panel = [`error: ${safe((error as Error).message)}`];
    } finally {
      busy = false;
    }
    draw();
    // The run is over: nothing more will change; say so where it stays visible, and stop.
    if (status?.finished && finish) return finish();
    if (again) {
      again = false;
      void refresh();
    }
  };

  out.write('\x1b[?1049h\x1b[?25l');
  const stop = await followRunChanges(process.cwd(), () => void refresh());
  await refresh();
  out.on('resize', draw);
  emitKeypressEvents(process.stdin);
  process.stdin.setRawMode(true);
  process.stdin.resume();

  return new Promise<number>((resolve) => {
    const quit = () => {
      stopped = true;
      stop();
      process.stdin.setRawMode(false);
      process.stdin.pause();
      out.write('\x1b[?25h\x1b[?1049l');
      resolve(0);
    };
    finish = () => {
      quit();
      print(style.green('The run is finished: every session has landed. (parx status --watch stopped.)'));
    };
    if (status?.finished) finish();
    const act = async (work: () => Promise<string[]>) => {
      try {
        panel = await work();
      } catch (error) {
        panel = [`error: ${safe((error as Error).message)}`];
      }
      await refresh();
    };
    process.stdin.on('keypress', (_text: string, key: { name?: string; ctrl?: boolean }) => {
      if (!status) return;
      const rows = status.sessions.length + status.requests.length;
      const session = status.sessions[selected];
      const request = status.requests[selected - status.sessions.length];
      if (key.name === 'q' || (key.ctrl && key.name === 'c')) return quit();
      if (key.name === 'up' || key.name === 'k') selected = Math.max(0, selected - 1);
      else if (key.name === 'down' || key.name === 'j') selected = Math.min(rows - 1, selected + 1);
      else if (key.name === 'return' && session?.pane) void act(() => goToPane(status!.tmuxSession, session.pane!));
      else if (key.name === 'g' && request)
        void act(async () => [
          `granted ${request.id}: ${safe(request.path)} now belongs to ${(await runGrant({ configPath: options.config }, { id: request.id })).grant.to}`,
        ]);
      else if (key.name === 'r' && request)
        void act(async () => [`refused ${(await runRefuse({ configPath: options.config }, request.id, undefined)).request.id}`]);
      else if (key.name === 'i') {
        panel = ['integrating: merging every session onto base in a scratch worktree and running verify…'];
        void act(async () => describeIntegrate((await runIntegrate({ configPath: options.config })).record));
      } else if (key.name === 'c' && session)
        void act(async () => describeCheck(await runCheck({ configPath: options.config, sessions: [session.name] }), session.name));
      else return;
      draw();
    });
  });
}

/** The last integration in one line: the findings, else whether it still holds. */
function summarizeIntegration(status: StatusResult): DashboardInput['integration'] {
  const found = status.sessions.filter((s) => s.integration);
  if (found.length === 0) return undefined;
  const at = found[0]!.integration!.time.slice(11, 16);
  const flagged = found.filter((s) => !s.integration!.stale && ['breaks', 'conflicts'].includes(s.integration!.result));
  if (flagged.length > 0) return { text: `${at} ${flagged.map((s) => `${s.name} ${s.integration!.text}`).join('; ')}`, bad: true };
  const stale = found.filter((s) => s.integration!.stale).length;
  return { text: `${at} ${stale > 0 ? `no finding; ${stale} session(s) changed since (i to run again)` : 'the whole run integrates'}`, bad: false };
}

function describeIntegrate(record: IntegrationRecord): string[] {
  if (record.ok) return [`integrate: the whole run integrates (${(record.durationMs / 1000).toFixed(1)} s)`];
  const findings = Object.entries(record.sessions)
    .filter(([, v]) => v.kind === 'breaks' || v.kind === 'conflicts')
    .map(([name, v]) => `  ${name}: ${describeVerdict(v)}`);
  return [
    record.baseFails ? 'integrate: verify fails on base itself' : 'integrate:',
    ...findings,
    ...(record.breaking?.outputTail.slice(0, 5).map((l) => `  | ${safe(l)}`) ?? []),
  ];
}

/** Inside tmux: switch this client to the pane. Outside: attach to it until the human detaches. */
async function goToPane(tmuxSession: string | null, pane: string): Promise<string[]> {
  if (!tmuxSession) return ['no tmux session for this run'];
  await focusPane(pane);
  const inside = Boolean(process.env.TMUX);
  if (!inside) {
    process.stdin.setRawMode(false);
    process.stdout.write('\x1b[?25h\x1b[?1049l');
  }
  const ok = await attachOrSwitch(tmuxSession, inside);
  if (!inside) {
    process.stdout.write('\x1b[?1049h\x1b[?25l');
    process.stdin.setRawMode(true);
  }
  return [ok ? (inside ? `switched to ${pane}` : `back from ${pane}`) : `could not reach ${pane}`];
}

function describeCheck(result: Awaited<ReturnType<typeof runCheck>>, name: string): string[] {
  const s = result.sessions.find((x) => x.name === name);
  if (!s) return [`check ${name}: no worktree`];
  if (s.violations.length === 0) return [`check ${name}: ${s.changed.length} changed file(s), no violation`];
  return [
    `check ${name}: ${s.violations.length} violation(s)`,
    ...s.violations.slice(0, 5).map((v) => `  ${safe(v.path)} (${v.kind}${v.owner ? `, owned by ${v.owner}` : ''})`),
  ];
}

/** One line with each session's tokens by its agent's own count, and which are paused at their budget. */
function describeUsageLine(sessions: ReadonlyArray<{ name: string; usage: Usage | null; budget: { reached: boolean } | null }>): string[] {
  const used = sessions.filter((s) => s.usage);
  if (used.length === 0) return [];
  return [`Tokens: ${used.map((s) => `${s.name} ${countTokens(s.usage!)}${s.budget?.reached ? ' (paused at its budget)' : ''}`).join(', ')}`];
}
