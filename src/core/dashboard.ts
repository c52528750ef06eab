/**
 * The `parx status --watch` screen as lines of text, from a status snapshot. Pure: the CLI
 * owns the terminal (alternate screen, keys) and redraws these lines when something changes.
 * Every line fits `width` columns (cut, never wrapped) and the screen fits `height` rows, so
 * it renders at 80×24.
 */

export interface DashboardSession {
  name: string;
  state: string;
  since: string | null;
  owns: string[];
  granted: string[];
  ahead: number;
  changed: number;
  violations: number;
  requests: { asked: number; toAnswer: number };
  pendingMessages: number;
  merge: 'clean' | 'conflicts' | 'no branch' | 'landed' | 'abandoned';
  /** The review column (core/review.ts describeReviewCell); absent: no column. */
  review?: string;
  /** The files it changed outside what it owns (with their owner), for the line under the table. */
  violationPaths?: string[];
}

export interface DashboardRequest {
  id: string;
  from: string;
  owner: string | undefined;
  path: string;
  reason: string;
}

export interface DashboardInput {
  base: string;
  sessions: DashboardSession[];
  requests: DashboardRequest[];
  forecast: Array<{ sessions: [string, string]; files: string[] }>;
  /** Index into sessions, then requests (one list for the cursor). */
  selected: number;
  /** What the last `parx integrate` found, in one line (`bad`: something breaks or conflicts). */
  integration?: { text: string; bad: boolean } | undefined;
  /** `land: auto`: what each session with work waits for before it lands. */
  landing?: string[];
  /** A panel under the tables (the output of `check`, an error), if any. */
  panel: string[];
  /** Every session has landed. */
  finished?: boolean;
  updated: string;
  width: number;
  height: number;
}

export type Paint = (text: string, style: 'bold' | 'dim' | 'red' | 'yellow' | 'green' | 'inverse') => string;

type Line = [text: string, style?: Parameters<Paint>[1]];

/** The line that says a run is over: every session landed, or landed or was abandoned. */
export function describeFinished(sessions: ReadonlyArray<{ state: string }>): string {
  return sessions.every((s) => s.state === 'landed')
    ? 'The run is finished: every session has landed.'
    : 'The run is finished: every session has landed or was abandoned.';
}

export function renderDashboard(input: DashboardInput, paint: Paint = (t) => t): string[] {
  const { width } = input;
  const lines: Line[] = [];
  lines.push([`parx status --watch   base ${input.base}   updated ${input.updated.slice(11, 19)}`, 'bold']);
  const reviewed = input.sessions.some((s) => s.review !== undefined && s.review !== '—');
  const columns = reviewed ? COLUMNS_WITH_REVIEW : COLUMNS;
  lines.push([fit(['session', 'state', 'owns', 'ahead', 'chg', 'viol', 'req', 'merge', ...(reviewed ? ['review'] : []), 'msg'], width, columns), 'dim']);
  const rows = input.sessions.map((s, i): Line => {
    const state = s.state === 'waiting' && s.since ? `waiting ${s.since.slice(11, 16)}` : s.state;
    const owns = [...s.owns, ...s.granted.map((g) => `+${g}`)].join(' ');
    const req = s.requests.asked + s.requests.toAnswer > 0 ? `${s.requests.asked}/${s.requests.toAnswer}` : '-';
    const row = fit(
      [
        s.name,
        state,
        owns,
        String(s.ahead),
        String(s.changed),
        String(s.violations),
        req,
        s.merge,
        ...(reviewed ? [s.review ?? '—'] : []),
        s.pendingMessages > 0 ? `✉${s.pendingMessages}` : '',
      ],
      width,
      columns,
    );
    const style =
      i === input.selected
        ? 'inverse'
        : s.violations > 0 || s.merge === 'conflicts'
          ? 'red'
          : s.state === 'waiting' || s.review === 'needs human'
            ? 'yellow'
            : undefined;
    return [row.trimEnd(), style];
  });
  const sessionsStart = lines.length;
  lines.push(['']);
  if (input.finished) lines.push([describeFinished(input.sessions), 'green']);
  // Where the violations are, not only how many: `c` checks one session, `parx check` all.
  for (const s of input.sessions.filter((x) => (x.violationPaths?.length ?? 0) > 0))
    lines.push([`${s.name} outside its ownership: ${s.violationPaths!.join(', ')}`, 'red']);
  if (input.requests.length === 0) lines.push(['No open requests.', 'dim']);
  else lines.push([`Open requests (${input.requests.length}):`, 'yellow']);
  input.requests.forEach((r, i) => {
    const text = `${r.id}  ${r.from} → ${r.owner ?? 'nobody'}  ${r.path}${r.reason ? `  “${r.reason}”` : ''}`;
    lines.push([text, input.selected === input.sessions.length + i ? 'inverse' : undefined]);
  });
  const conflicts = input.forecast.map((f) => `${f.sessions.join(' × ')}: ${f.files.join(', ')}`);
  if (conflicts.length > 0) lines.push([`Forecast: ${conflicts.join('; ')}`, 'red']);
  if (input.integration) lines.push([`Integration: ${input.integration.text}`, input.integration.bad ? 'red' : 'green']);
  for (const line of input.landing ?? []) lines.push([line, 'dim']);
  for (const line of input.panel) lines.push([line]);
  lines.splice(sessionsStart, 0, ...scrollSessions(rows, input.selected, Math.max(1, input.height - 1) - lines.length));
  const help = '↑↓ select  ⏎ go to pane  g grant  r refuse  c check  i integrate  q quit';
  // The help line stays on the last row; what does not fit above it is cut with a marker.
  const room = Math.max(1, input.height - 1);
  const shown =
    lines.length > room
      ? [...lines.slice(0, room - 1), [`… ${lines.length - room + 1} more line(s); make the terminal taller`, 'dim'] as [string, 'dim']]
      : lines;
  return [...shown, [help, 'dim'] as [string, 'dim']].map(([text, style]) => {
    const cut = cutTo(text, width);
    return style ? paint(cut, style) : cut;
  });
}

/**
 * The session rows that fit `room` lines (at least 3): all of them, or a slice that keeps the
 * selected session in view (the cursor stays on the last session while requests are selected),
 * with a line saying how many are above and below.
 */
function scrollSessions(rows: readonly Line[], selected: number, room: number): Line[] {
  if (rows.length <= Math.max(3, room)) return [...rows];
  const shown = Math.max(2, room - 1);
  const focus = Math.min(selected, rows.length - 1);
  const start = Math.max(0, Math.min(focus - Math.floor(shown / 2), rows.length - shown));
  const above = start;
  const below = rows.length - start - shown;
  return [
    ...rows.slice(start, start + shown),
    [`  ${above > 0 ? `↑ ${above} more` : ''}${above > 0 && below > 0 ? ' · ' : ''}${below > 0 ? `↓ ${below} more` : ''} (↑↓ to scroll)`, 'dim'],
  ];
}

/** Column widths; `owns` (0) takes what the terminal has left. */
const COLUMNS = [12, 13, 0, 5, 4, 4, 5, 9, 3];
/** With the review column (`needs human`, `changes 12`) before the last. */
const COLUMNS_WITH_REVIEW = [12, 13, 0, 5, 4, 4, 5, 9, 11, 3];

function fit(cells: readonly string[], width: number, widths: readonly number[] = COLUMNS): string {
  const fixed = widths.reduce((a, b) => a + b, 0) + widths.length - 1;
  const flexible = Math.max(8, width - fixed);
  return cells.map((c, i) => pad(cutTo(c, widths[i] || flexible), widths[i] || flexible)).join(' ');
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

/** At most `width` characters, `…` marking a cut. */
export function cutTo(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}
