import type { Collision } from '../core/changes.js';
import type { Verdict } from '../core/integration.js';
import type { Readiness, RecoverReason } from '../core/landing.js';
import type { OwnershipRequest } from '../core/requests.js';
import type { Finding, VerdictKind } from '../core/review.js';
import type { AgentState, GrantRecord } from '../core/run-state.js';
import type { Budget, Usage } from '../core/usage.js';

/** What `parx status` reports (its JSON, less `configNotice`): read by the CLI, the dashboard and the hosts. */

export interface SessionStatus {
  name: string;
  branch: string;
  /** Its branch's commit (verified into the shared store), or null. */
  tip: string | null;
  worktree: string;
  pane: string | null;
  alive: boolean;
  /**
   * `not-started`: no pane was ever recorded for it (as opposed to `exited`: its program ended);
   * `landed`: `parx down` merged it, and it has nothing more (see `landed`).
   */
  state: AgentState | 'not-started' | 'landed' | 'abandoned' | 'unreachable';
  /** The `hosts:` entry it runs on (docs/hosts.md); null on this machine. */
  host: string | null;
  /** Why its host could not be asked (its state is `unreachable` then); null otherwise. */
  unreachable: string | null;
  /** The merge commit that landed it, while it has nothing base does not have; null otherwise. */
  landed: { commit: string } | null;
  /** `parx abandon` ended it (and nothing was started since): where its work is kept; null otherwise. */
  abandoned: { backupRef: string | null } | null;
  /** When the agent last reported its state (ISO 8601), or null. */
  since: string | null;
  /**
   * Write enforcement before the fact: `active` once the agent has called a parx hook, `not-seen`
   * when hooks were configured but none has fired (an untrusted folder, an old agent version, or
   * simply no turn yet), `none` for agents without hooks (aider, shell, others): guard only.
   */
  hooks: 'active' | 'not-seen' | 'none';
  /**
   * The OS sandbox of its pane: `on` (only what it may change is writable), `off` (with the
   * reason in `sandboxNotes`), or `unknown` for a run started before parx had one.
   */
  sandbox: 'on' | 'off' | 'unknown';
  sandboxNotes: string[];
  /** Why its agent's hooks may not load by themselves (Gemini in a folder it does not trust). */
  hookNotes: string[];
  owns: string[];
  /** Paths `parx grant` gave it during the run. */
  granted: string[];
  /** Open requests it asked, and open requests for paths it owns. */
  requests: { asked: number; toAnswer: number };
  /** Messages queued for its agent and not delivered yet (it gets them at its next turn boundary). */
  pendingMessages: number;
  /** Messages for an agent without hooks, kept for you to pass on in its pane (the latest last). */
  forYou: Array<{ text: string; time: string }>;
  ahead: number;
  changed: string[];
  violations: Array<{ path: string; kind: 'trespass' | 'outside'; owner?: string }>;
  collisions: Collision[];
  /** Whether the branch merges into base cleanly now; null when there is no branch. */
  mergeable: boolean | null;
  conflicts: string[];
  /**
   * What the last `parx integrate` found for it (`integrates`, `breaks verify at step 2 (after
   * lib)`, `conflicts with api`…), and why that may no longer hold (`tip moved since`); null
   * when no integration has run.
   */
  integration: { result: Verdict['kind']; text: string; stale: string | null; time: string } | null;
  /** Why its newest commit could not be verified into the shared store (a forged or damaged object), or null. */
  objectsProblem: string | null;
  /**
   * Its latest review verdict (`stale`: it judged another commit than the tip; `running`: a review
   * is under way, `verdict` null when it is the first); null without reviews.
   */
  review: { verdict: VerdictKind | null; tip: string; round: number; stale: boolean; findings: Finding[]; by: 'agent' | 'human'; running: boolean } | null;
  /** Why it waits for a human decision (its reviews keep asking for changes, its retries are used up), or null. */
  needsHuman: string | null;
  /** `recover: agent`'s tries on it so far, and the last failure; null before the first. */
  recover: { tries: number; reason: RecoverReason } | null;
  /** `land: auto`: whether the guard lands it now, or what it waits for; null with `land: manual`. */
  landing: Readiness | null;
  /** What it has used by its agent's own accounting; null when its agent records none parx reads. */
  usage: Usage | null;
  /** Its budget and whether it is reached (it is paused then); null without one. */
  budget: (Budget & { reached: boolean }) | null;
}

export interface StatusResult {
  base: string;
  tmuxSession: string | null;
  sessions: SessionStatus[];
  /** Pairs of sessions whose branches conflict with each other, in `down` order. */
  forecast: Array<{ sessions: [string, string]; files: string[] }>;
  /** Open ownership requests (`parx requests`). */
  requests: OwnershipRequest[];
  /** Ownership moved during the run, in order. */
  grants: GrantRecord[];
  /** The recording guard: whether it runs, and the folders it can only poll (the kernel refused to watch them). */
  guard: { running: boolean; pid: number | null; polling: string[] };
  /** Every session has landed: the run is over. */
  finished: boolean;
  /** Set when the config file changed since `parx up` (not part of the JSON). */
  configNotice?: string;
}
