/**
 * What `parx integrate` found, as data: each session's verdict, the record kept in the run
 * folder (`integrate.json`), and how `status`, `down` and the guard's radar read it. Pure.
 */

/** One session's part in an integration. */
export type Verdict =
  /** Merged onto everything before it in the queue, and verify passed (or there is no verify). */
  | { kind: 'integrates' }
  /**
   * Its addition is the first that makes verify fail: step `step` of the queue. `waitingFor`:
   * files the failure names that another session has in its worktree but has not committed
   * (the integration took committed tips only): most likely what is missing.
   */
  | { kind: 'breaks'; step: number; after: string[]; alone: boolean | null; waitingFor?: WaitingFor[] }
  /** It does not merge onto what comes before it in the queue. `with` is a session, or `base`. */
  | { kind: 'conflicts'; with: string; files: string[] }
  /** Not verified: it merges after a session that broke or conflicted, or comes after the break. */
  | { kind: 'untested'; because: string }
  /** Its branch adds nothing to base (or does not exist): nothing to integrate. */
  | { kind: 'nothing' };

/** Files another session has not committed yet. */
export interface WaitingFor {
  session: string;
  files: string[];
}

export interface BreakingSession {
  session: string;
  /**
   * The sessions merged before it that it breaks with. By default, without more verify runs:
   * those whose changed files the failure names, else every session before it. With
   * `--pinpoint`: the one whose addition before it makes verify fail (verify passes with base
   * plus it alone), or none when it breaks verify on its own.
   */
  after: string[];
  /** Whether it breaks verify on base alone: known for the first session, and with `--pinpoint`. */
  alone: boolean | null;
  /** Its position in the integrated queue (1 = the first session merged). */
  step: number;
  /** Files it changed that verify's output names (the breaking test touches them). */
  files: string[];
  /** Files the failure names that other sessions have not committed yet (see Verdict). */
  waitingFor?: WaitingFor[];
  exitCode: number | null;
  outputTail: string[];
}

export interface IntegrationRecord {
  time: string;
  base: string;
  baseTip: string;
  /** The branch tips integrated: committed work only. */
  tips: Record<string, string>;
  /** Sessions whose worktrees had uncommitted work, left out of the integration (their tips were used). */
  uncommitted: Record<string, number>;
  /** The queue, in merge order: the sessions that were asked for. */
  order: string[];
  verify: string | null;
  ok: boolean;
  sessions: Record<string, Verdict>;
  breaking: BreakingSession | null;
  conflicts: Array<{ session: string; with: string; files: string[] }>;
  /** Verify fails on base itself, before any session is merged. */
  baseFails: { exitCode: number | null; outputTail: string[] } | null;
  /**
   * Changes outside ownership, per session (committed or not): it may integrate, but `parx
   * down` refuses it until they are gone or granted. Absent in records of older versions.
   */
  violations?: Record<string, Array<{ path: string; kind: 'trespass' | 'outside'; owner?: string }>>;
  /** How many times verify ran: to find the breaking session, and to say what it breaks with. */
  verifyRuns: { find: number; attribute: number };
  durationMs: number;
}

/** A verdict in a few words, for the status table and the guard. */
export function describeVerdict(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'integrates':
      return 'integrates';
    case 'breaks':
      if (verdict.waitingFor?.length)
        return `breaks verify at step ${verdict.step}, needing ${verdict.waitingFor.map((w) => `${w.session}'s uncommitted ${w.files.join(', ')}`).join('; ')}`;
      return `breaks verify at step ${verdict.step}${verdict.alone ? ' (on its own)' : verdict.after.length > 0 ? ` (after ${verdict.after.join(', ')})` : ''}`;
    case 'conflicts':
      return `conflicts with ${verdict.with}`;
    case 'untested':
      return `untested: ${verdict.because}`;
    case 'nothing':
      return 'nothing to integrate';
  }
}

/**
 * Whether a session's verdict still speaks about its branch: its tip and base are where the
 * integration found them. Returns why not, or undefined when it still holds.
 */
export function getStaleness(record: IntegrationRecord, session: string, tip: string | undefined, baseTip: string | undefined): string | undefined {
  if (!(session in record.sessions)) return 'not integrated yet';
  if ((record.tips[session] ?? undefined) !== tip) return 'tip moved since';
  if (record.baseTip !== baseTip) return 'base moved since';
  return undefined;
}

/** The sessions the record flags (breaks or conflicts), for `down` to warn about before merging. */
export function getFlaggedSessions(record: IntegrationRecord): Array<{ session: string; verdict: Verdict }> {
  return Object.entries(record.sessions)
    .filter(([, v]) => v.kind === 'breaks' || v.kind === 'conflicts')
    .map(([session, verdict]) => ({ session, verdict }));
}

/**
 * What the radar compares to tell whether an integration is due: base's tip and every
 * session's tip. The same key twice means nothing has changed since the last integration.
 */
export function getTipsKey(baseTip: string, tips: Readonly<Record<string, string | undefined>>): string {
  return [
    baseTip,
    ...Object.keys(tips)
      .sort()
      .map((s) => `${s}=${tips[s] ?? ''}`),
  ].join(' ');
}

/** A new breakage worth announcing: a breaking session or conflict the previous record did not have. */
export function getNewFindings(previous: IntegrationRecord | undefined, next: IntegrationRecord): Array<{ session: string; verdict: Verdict }> {
  return getFlaggedSessions(next).filter(({ session, verdict }) => {
    const before = previous?.sessions[session];
    return !before || before.kind !== verdict.kind || JSON.stringify(before) !== JSON.stringify(verdict) || previous?.tips[session] !== next.tips[session];
  });
}

/** `10m`, `90s`, `1h`, or a number of seconds: the radar's interval in ms (undefined when not one). */
export function parseInterval(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text > 0 ? text * 1000 : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Number(match[1]) * unit;
  return ms > 0 ? ms : undefined;
}

/**
 * The files of `changed` that verify's output names: the ones the breaking test touches, as
 * far as the output tells (a path printed whole, relative or absolute).
 */
export function findFilesNamed(output: string, changed: readonly string[]): string[] {
  return changed.filter((path) => {
    let from = 0;
    for (;;) {
      const at = output.indexOf(path, from);
      if (at < 0) return false;
      const before = at === 0 ? '' : output[at - 1]!;
      const after = output[at + path.length] ?? '';
      // A whole path: not the tail of a longer name (`xsrc/a.ts`), nor the head of one (`a.tsx`).
      if (!/[\w.-]/.test(before) && !/[\w-]/.test(after) && !(after === '.' && /[\w]/.test(output[at + path.length + 1] ?? ''))) return true;
      from = at + 1;
    }
  });
}

/**
 * The files the failure names among other sessions' uncommitted ones: a file a session has
 * written but not committed is missing from the integration, and a session merged after it
 * that needs it fails (its own change is not what is wrong). Sessions in `order`.
 */
export function findWaitingFor(output: string, breaking: string, uncommitted: ReadonlyMap<string, readonly string[]>, order: readonly string[]): WaitingFor[] {
  return order.flatMap((session) => {
    if (session === breaking) return [];
    const files = findFilesNamed(output, uncommitted.get(session) ?? []);
    return files.length > 0 ? [{ session, files }] : [];
  });
}

/**
 * The lines of a failed verify worth showing: 15 lines from the first that reports a failure
 * (`not ok`, `Error`, `FAIL`, `failed`) among the last 60, else the last 15. Test runners print
 * the error first and a summary last; the summary alone does not say what broke.
 */
export function getFailureExcerpt(output: string, length = 15): string[] {
  const lines = output.trimEnd().split('\n');
  const recent = lines.slice(-60);
  const first = recent.findIndex((line) => /\bnot ok\b|\berror\b|\bfail(ed|ure|s)?\b/i.test(line));
  return first < 0 ? lines.slice(-length) : recent.slice(first, first + length);
}
