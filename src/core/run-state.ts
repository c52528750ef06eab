import type { ParxConfig } from './config-validate.js';
import type { OwnershipGrant } from './ownership.js';
import type { RequestDecision } from './requests.js';

/**
 * What parx remembers about a run, kept in `<git-common-dir>/parx/state.json`.
 * Types only: reading and writing are in adapters/run-files.ts.
 */

export interface SessionState {
  branch: string;
  worktree: string;
  /** tmux pane id (`%3`) of the session's agent, when it has one. */
  pane: string | undefined;
  port: number;
  promptFile: string;
  /** The argv the pane runs (after env wrapping), to respawn it identically. */
  command: string[];
  /**
   * sha256 of each file `copy:` put into the worktree, as copied: at `down`, an ignored file
   * that still matches was not changed by the session and need not be saved.
   */
  copied?: Record<string, string>;
  /** Whether the pane runs in the OS sandbox (absent: a run from before sandboxes). */
  sandbox?: 'on' | 'off';
  /** Why the sandbox is off, or what it left closed. */
  sandboxNotes?: string[];
  /** Why the agent's hooks may not load by themselves (an untrusted folder). */
  hookNotes?: string[];
  /** Whether the worktree's `setup` has succeeded; `up` runs it again until it has. */
  setup: 'none' | 'ok' | 'failed';
  createdAt: string;
  /**
   * `up` is making this session's worktree again (its folder was gone): the guard takes it up
   * only once `up` records it filled, so the files still to come are not judged the session's.
   */
  filling?: true;
}

/** A session on another host: its worktree and run are there; here, its pane that shows it. */
export interface HostedSessionState {
  host: string;
  branch: string;
  /** Its worktree, on the host. */
  worktree: string;
  pane: string | undefined;
  /** The local pane's argv (ssh to the host's run). */
  command: string[];
  createdAt: string;
}

export interface RunState {
  version: 1;
  root: string;
  base: string;
  configFile: string;
  /**
   * The configuration the run started with, validated (tasks resolved): every command but
   * `up` and `plan` decides from it, never from a config file an agent could have written.
   */
  config?: ParxConfig;
  /** sha256 of the config file's text when `up` read it, to tell the human when it changed. */
  configDigest?: string;
  /** The copy `up` made of git's user-wide ignore file (`core.excludesFile`), read instead of it. */
  excludesFile?: string;
  tmuxSession: string;
  sessions: Record<string, SessionState>;
  /** The progress of `parx down`, so that a run killed at any point is finished by the next. */
  down?: DownState;
  /** Ownership moved by `parx grant` for the rest of the run, in the order granted. */
  grants?: GrantRecord[];
  /** `parx grant`/`refuse` answers, by request id. */
  decisions?: Record<string, RequestDecision>;
  /** Budgets `parx budget` raised, per session, over the configuration's. */
  budgets?: Record<string, { usd?: number; tokens?: number }>;
  /** Sessions running on other hosts (docs/hosts.md): what this machine knows of each. */
  hosted?: Record<string, HostedSessionState>;
  /** Sessions `parx abandon` ended, until `up` starts them again: where their work is kept. */
  abandoned?: Record<string, { backupRef: string | null; time: string }>;
}

export interface GrantRecord extends OwnershipGrant {
  /** The session that owned the path before (undefined: nobody did). */
  from: string | undefined;
  /** The request it answered, when it answered one. */
  request?: string;
  reason?: string;
  time: string;
}

export interface DownState {
  /**
   * The merge under way: written before base moves, cleared once the merge has passed `verify`
   * (or been evicted). Found on start, it says whether base holds a merge not verified yet.
   */
  merging?: { session: string; before: string; commit: string };
  /** Sessions merged (and verified) by `parx down`: session → merge commit. */
  merged: Record<string, string>;
  /**
   * Worktrees whose removal has begun (session → path), written before `git worktree remove`:
   * a run stopped while git was deleting files leaves a worktree with tracked files missing,
   * which the next run must finish removing, never commit as work (`--commit-wip` would merge
   * those deletions into base).
   */
  removing?: Record<string, string>;
}

export type RunEvent = { time: string; type: string } & Record<string, unknown>;

export type AgentState = 'working' | 'waiting' | 'exited';

/** `<git-common-dir>/parx/agents/<session>/state.json`: what the agent last reported, or the guard inferred. */
export interface AgentStateRecord {
  state: AgentState;
  time: string;
  /** `hook`: the agent's own hook said so; `silence`: the guard saw its pane quiet (or busy again). */
  source: 'hook' | 'silence';
  /** What the agent said, e.g. the text of a Claude Code notification. */
  detail?: string;
}

/** `<git-common-dir>/parx/guard.json`, written by the recording guard. */
export interface GuardHealth {
  pid: number;
  time: string;
  /** `session:folder` of every folder the kernel would not watch (polled instead). */
  polling: string[];
  /** The mtime of the state.json the guard judges by (a grant is in force once this reaches it). */
  stateSeen?: number;
  /** The sessions whose worktrees it watches. */
  watching?: string[];
}
