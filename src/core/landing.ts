/**
 * `land: auto` and `recover: agent` as data (docs/queue.md): when a session is ready to land
 * by itself, what it waits for otherwise, and when recovering it stops being worth another try.
 * Pure; ops/guard/lander.ts and ops/recover.ts act on it.
 */

export interface LandingFacts {
  /** Commits on its branch that base does not have. */
  ahead: number;
  /** Its agent's state now, and when it was reported. */
  agent: { state: 'working' | 'waiting' | 'exited' | 'unknown'; since: number | undefined };
  /** When its newest commit was made (committer time, ms). */
  tipTime: number;
  uncommitted: number;
  violations: number;
  /** Sessions it merges after that have not landed yet. */
  unlandedDependencies: string[];
  /** Review required and its tip has no pass (why), or undefined. */
  review: string | undefined;
  /** Its branch does not merge onto base as it stands (files), or merges only with an unresolved conflict. */
  conflicts: string[];
  /** The last integration, on this very tip and base, found it breaking (what it said). */
  breaks: string | undefined;
  /** It needs a human (why): its retries or review rounds are used up. */
  needsHuman: string | undefined;
  /** Another landing, `up`, `down`, `sync` or `grant` runs now. */
  busy: string | undefined;
  /** `recover: agent` already told it this tip failed (tries so far, and why). */
  failedTip: { tries: number; reason: RecoverReason } | undefined;
}

export type Readiness = { ready: true } | { ready: false; waitingFor: string };

/**
 * Whether a session lands now, and if not, the first thing it waits for. "Finished" means its
 * agent waits (or has exited) and said so after its newest commit: an agent idle since it
 * started, on commits from before, has not finished anything.
 */
export function getLandingReadiness(f: LandingFacts): Readiness {
  const wait = (waitingFor: string): Readiness => ({ ready: false, waitingFor });
  if (f.ahead === 0) return wait('commits');
  if (f.needsHuman) return wait(`a human: ${f.needsHuman}`);
  if (f.failedTip) return wait(`a fix: try ${f.failedTip.tries} failed (${f.failedTip.reason}); it lands once its agent commits again`);
  if (f.agent.state === 'working' || f.agent.state === 'unknown') return wait('its agent to finish');
  if (f.agent.state === 'waiting' && (f.agent.since === undefined || f.agent.since < f.tipTime)) return wait('its agent to finish after its last commit');
  if (f.uncommitted > 0) return wait(`its ${f.uncommitted} uncommitted file(s) to be committed`);
  if (f.violations > 0) return wait(`its ${f.violations} change(s) outside its ownership to go (or be granted)`);
  if (f.unlandedDependencies.length > 0) return wait(`${f.unlandedDependencies.join(', ')} to land first`);
  if (f.review) return wait(`review: ${f.review}`);
  if (f.conflicts.length > 0) return wait(`its conflict with base in ${f.conflicts.slice(0, 3).join(', ')} to be resolved`);
  if (f.breaks) return wait(`a fix: the last integration found it ${f.breaks}`);
  if (f.busy) return wait(f.busy);
  return { ready: true };
}

/** `land: auto`: one line per session that has work but does not land yet, with what it waits for. */
export function describeLandingWaits(sessions: ReadonlyArray<{ name: string; landing: Readiness | null }>): string[] {
  return sessions.flatMap((s) => (s.landing && !s.landing.ready && s.landing.waitingFor !== 'commits' ? [`${s.name} waits for ${s.landing.waitingFor}`] : []));
}

/** Why a recovery try was made (SPEC `recover` event). */
export type RecoverReason = 'conflict' | 'verify' | 'integrate';

/** The tries made on a session, kept by parx between tries. */
export interface RecoverRecord {
  tries: number;
  /** The tip the last try was about: the same failure on the same tip is not tried again. */
  tip: string;
  reason: RecoverReason;
  time: string;
}

/**
 * Whether to try again: not when the retries are used up, and not twice for the same tip and
 * reason (the agent has not committed anything since it was told).
 */
export function getRecoverDecision(record: RecoverRecord | undefined, tip: string, reason: RecoverReason, retries: number): 'try' | 'same-tip' | 'needs-human' {
  if (record && record.tip === tip && record.reason === reason) return 'same-tip';
  if ((record?.tries ?? 0) >= retries) return 'needs-human';
  return 'try';
}
