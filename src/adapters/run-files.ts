import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { acquireLockFile, isProcessAlive, readLiveLock, takeLockFile, type RunLock } from './run-locks.js';
import { appendWithoutFollowing, readUntrusted, readUntrustedJson, readUntrustedJsonLines, writeFileAtomically } from './untrusted-files.js';
import type { HookPolicy } from '../core/hook-policy.js';
import type { RequestLine } from '../core/requests.js';
import type { IntegrationRecord } from '../core/integration.js';
import type { AgentStateRecord, GuardHealth, RunEvent, RunState } from '../core/run-state.js';

/**
 * The files parx keeps under `<git-common-dir>/parx/`: never in a working tree, so no agent
 * can commit them and every worktree of the repository sees the same run.
 *
 * Two kinds of folder live here. Everything parx writes for itself (state, policy, prompts,
 * each session's inbox, the states the guard infers) is in folders no session's sandbox may
 * write. `agents/<session>/` is the one folder a session may write (its hooks report there), so
 * whatever parx reads from it goes through adapters/untrusted-files.ts: no links followed, no
 * FIFO waited on, sizes bounded. parx writes nothing there.
 */

/** What one `parx sync` wrote into a session's worktree. */
export interface SyncRecord {
  commit: string;
  files: Record<string, string | null>;
  /**
   * The `parx sync` writing them while it runs (absent once git has finished): until then a
   * listed file may be half written, so the guard waits before it compares.
   */
  writer?: number;
}

/** A message waiting for a session's agent. */
export interface InboxMessage {
  from: 'human' | 'parx';
  text: string;
  time: string;
}

export class RunFiles {
  readonly dir: string;

  constructor(private readonly commonDir: string) {
    this.dir = join(commonDir, 'parx');
  }

  /**
   * Creates a folder under the run folder, never above it: a process that outlives its
   * repository (a guard, a hook) must not bring a deleted repository's folders back.
   */
  private async ensureDir(dir: string): Promise<void> {
    if (!existsSync(this.commonDir)) throw new Error(`the repository's git folder ${this.commonDir} is gone`);
    await mkdir(dir, { recursive: true });
  }

  /** Writes under way, per path: each waits for the one before, so the last one called wins. */
  private readonly writes = new Map<string, Promise<void>>();

  /**
   * Writes a file whole (temp file, then rename), in call order per path: concurrent callers (the
   * cleanups `parx down` runs side by side) must neither share a temp file nor let an older
   * snapshot land after a newer one.
   */
  private writeAtomically(path: string, text: string): Promise<void> {
    const write = async () => {
      await this.ensureDir(dirname(path));
      await writeFileAtomically(path, text);
    };
    const next = (this.writes.get(path) ?? Promise.resolve()).then(write, write);
    this.writes.set(path, next);
    return next;
  }

  get statePath(): string {
    return join(this.dir, 'state.json');
  }

  get eventsPath(): string {
    return join(this.dir, 'events.jsonl');
  }

  /** What `parx hook` needs to judge a write, written by `parx up` (core/hook-policy.ts). */
  get policyPath(): string {
    return join(this.dir, 'hooks', 'policy.json');
  }

  /** Atomic, like the state: an agent's hook may read it while `parx up` rewrites it. */
  async writePolicy(policy: HookPolicy): Promise<void> {
    await this.writeAtomically(this.policyPath, `${JSON.stringify(policy, null, 2)}\n`);
  }

  /**
   * The run's hook policy; undefined when there is no run (no file). Anything else that keeps
   * it from being read (a folder in its place, damaged JSON) throws: the hook must then deny,
   * not take it for "no run" and allow.
   */
  async readPolicy(): Promise<HookPolicy | undefined> {
    const text = await readOwnFile(this.policyPath);
    return text === undefined ? undefined : (JSON.parse(text) as HookPolicy);
  }

  /** Where the hook settings handed to one session's agent are (its argv names this path). */
  hookSettingsPath(session: string, agent: string): string {
    return join(this.dir, 'hooks', `${session}.${agent}.json`);
  }

  /** Writes the hook settings handed to one session's agent; returns their path. */
  async writeHookSettings(session: string, agent: string, settings: object): Promise<string> {
    const path = this.hookSettingsPath(session, agent);
    await this.writeAtomically(path, `${JSON.stringify(settings, null, 2)}\n`);
    return path;
  }

  /** Where agents' states are kept (the guard watches this folder). */
  get agentsDir(): string {
    return join(this.dir, 'agents');
  }

  /**
   * A session's own folder: the only one of the run its sandbox may write (its agent's hooks
   * report there), so a session cannot forge another's state or rewrite the run's files.
   */
  agentDir(session: string): string {
    return join(this.agentsDir, session);
  }

  /** A Gemini session's GEMINI_CLI_HOME: parx's own, read-only to the session (ops/up/agent-hooks.ts). */
  geminiHome(session: string): string {
    return join(this.dir, 'gemini', session);
  }

  /** The state a session's agent last reported through its hooks (in the session's own folder). */
  agentStatePath(session: string): string {
    return join(this.agentDir(session), 'state.json');
  }

  /** The state the recording guard inferred from a hook-less agent's pane (parx's own folder). */
  inferredStatePath(session: string): string {
    return join(this.dir, 'states', `${session}.json`);
  }

  /** Events a sandboxed session's hook could not append to events.jsonl; the guard moves them there. */
  outboxPath(session: string): string {
    return join(this.agentDir(session), 'events.jsonl');
  }

  /** The ownership requests a session's hook recorded (core/requests.ts). */
  requestsPath(session: string): string {
    return join(this.agentDir(session), 'requests.jsonl');
  }

  /** The session's request lines as it wrote them: untrusted (core/requests.ts validates each). */
  async readRequestLines(session: string): Promise<RequestLine[]> {
    return readUntrustedJsonLines<RequestLine>(this.requestsPath(session));
  }

  async appendRequestLine(session: string, line: RequestLine): Promise<void> {
    await this.appendLines([JSON.stringify(line)], this.requestsPath(session));
  }

  /**
   * Messages for a session's agent (`parx tell`, grants, refusals, syncs), delivered by its
   * hooks at a turn boundary. parx's own folder, which the session can read but not write: a
   * session that could replace its inbox with a link would have parx append through it.
   */
  inboxPath(session: string): string {
    return join(this.dir, 'inbox', `${session}.jsonl`);
  }

  async readInbox(session: string): Promise<InboxMessage[]> {
    return readUntrustedJsonLines<InboxMessage>(this.inboxPath(session));
  }

  async appendInbox(session: string, message: Omit<InboxMessage, 'time'>): Promise<InboxMessage> {
    const full = { time: new Date().toISOString(), ...message };
    await this.appendLines([JSON.stringify(full)], this.inboxPath(session));
    return full;
  }

  /**
   * Messages for a session whose agent has no hooks to take them: kept for the human to pass on
   * (`parx status` shows them, the guard announces them). parx's own folder.
   */
  notesPath(session: string): string {
    return join(this.dir, 'notes', `${session}.jsonl`);
  }

  async readNotes(session: string): Promise<InboxMessage[]> {
    return readUntrustedJsonLines<InboxMessage>(this.notesPath(session));
  }

  async appendNote(session: string, message: Omit<InboxMessage, 'time'>): Promise<InboxMessage> {
    const full = { time: new Date().toISOString(), ...message };
    await this.appendLines([JSON.stringify(full)], this.notesPath(session));
    return full;
  }

  /** How many of the inbox's messages the agent has been given (its hook writes it, in its sandbox). */
  async readInboxDelivered(session: string): Promise<number> {
    const delivered = (await readUntrustedJson<{ delivered: unknown }>(join(this.agentDir(session), 'inbox-delivered.json')))?.delivered;
    return typeof delivered === 'number' && Number.isInteger(delivered) && delivered >= 0 ? delivered : 0;
  }

  /** Written by the session's own hook (from inside its sandbox): its own folder, its own count. */
  async writeInboxDelivered(session: string, delivered: number): Promise<void> {
    await this.writeAtomically(join(this.agentDir(session), 'inbox-delivered.json'), `${JSON.stringify({ delivered })}\n`);
  }

  /** Where the recording guard remembers how much of each outbox it has moved. */
  get relayPath(): string {
    return join(this.dir, 'relayed.json');
  }

  async readRelayOffsets(): Promise<Record<string, number> | undefined> {
    return readJsonFile<Record<string, number>>(this.relayPath);
  }

  async writeRelayOffsets(offsets: Record<string, number>): Promise<void> {
    await this.writeAtomically(this.relayPath, `${JSON.stringify(offsets)}\n`);
  }

  /** What the agent's own hook reports (run by the hook, inside the session's sandbox). */
  async writeAgentState(session: string, record: AgentStateRecord): Promise<void> {
    await this.writeAtomically(this.agentStatePath(session), `${JSON.stringify(record)}\n`);
  }

  /** What the recording guard infers from a hook-less agent's pane: parx's folder, never the session's. */
  async writeInferredState(session: string, record: AgentStateRecord): Promise<void> {
    await this.writeAtomically(this.inferredStatePath(session), `${JSON.stringify(record)}\n`);
  }

  /** The newer of what the agent's hooks reported and what the guard inferred; each checked for shape. */
  async readAgentState(session: string): Promise<AgentStateRecord | undefined> {
    const [reported, inferred] = await Promise.all([
      readUntrustedJson<unknown>(this.agentStatePath(session)),
      readUntrustedJson<unknown>(this.inferredStatePath(session)),
    ]);
    const records = [reported, inferred].filter(isAgentStateRecord);
    return records.sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0];
  }

  /** Forgets what a session's previous agent reported or was seen doing (a new agent process starts). */
  async forgetAgentState(session: string): Promise<void> {
    await Promise.all([rm(this.agentStatePath(session), { force: true }), rm(this.inferredStatePath(session), { force: true })]);
  }

  /**
   * A copy of git's user-wide ignore file as it was at `up`: the hook, the guard and `check`
   * read this copy, so an agent that rewrites `~/.config/git/ignore` (or points git at another
   * file) cannot make another session's folder "ignored". Returns its path.
   */
  async snapshotExcludesFile(source: string): Promise<string> {
    const path = join(this.dir, 'excludes');
    await this.writeAtomically(path, await readFile(source, 'utf8').catch(() => ''));
    return path;
  }

  promptPath(session: string): string {
    return join(this.dir, 'prompts', `${session}.md`);
  }

  async readState(): Promise<RunState | undefined> {
    const text = await readOwnFile(this.statePath);
    return text === undefined ? undefined : (JSON.parse(text) as RunState);
  }

  /** Write to a temp file and rename over: a crash leaves the old state or the new, never half. */
  async writeState(state: RunState): Promise<void> {
    await this.writeAtomically(this.statePath, `${JSON.stringify(state, null, 2)}\n`);
  }

  async appendEvent(event: Omit<RunEvent, 'time'>): Promise<RunEvent> {
    const full = { time: new Date().toISOString(), ...event } as RunEvent;
    await this.appendLines([JSON.stringify(full)]);
    return full;
  }

  /**
   * A session's hook reporting an event: to events.jsonl, or, inside the session's sandbox
   * (where the run folder is read-only), to the session's outbox for the guard to move.
   */
  async appendSessionEvent(session: string, event: Omit<RunEvent, 'time'>): Promise<RunEvent> {
    const full = { time: new Date().toISOString(), ...event } as RunEvent;
    try {
      await this.appendLines([JSON.stringify(full)]);
    } catch (error) {
      if (!['EROFS', 'EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      await this.appendLines([JSON.stringify(full)], this.outboxPath(session));
    }
    return full;
  }

  /**
   * Appends already-serialised lines in one O_APPEND write (concurrent writers do not interleave),
   * never through a link and never into anything but a regular file.
   */
  async appendLines(lines: readonly string[], path = this.eventsPath): Promise<void> {
    if (lines.length === 0) return;
    await this.ensureDir(dirname(path));
    await appendWithoutFollowing(path, `${lines.join('\n')}\n`, { repairLine: true });
  }

  /**
   * One guard records events and marks panes; any other prints only. Returns whether this
   * process now holds the lock (a lock left by a dead process is taken over).
   */
  async acquireGuardLock(): Promise<boolean> {
    await this.ensureDir(this.dir);
    return (await takeLockFile(join(this.dir, 'guard.pid'), String(process.pid), (text) => Number(text))) === true;
  }

  /**
   * Takes the repository's run lock (`<git-common-dir>/parx/lock`, naming its holder): one
   * `parx up` or `down` at a time changes worktrees, branches and state.json. A lock left by a
   * dead process is taken over. Returns its release, or the live holder when another has it.
   */
  async acquireRunLock(command: string): Promise<RunLock> {
    return this.acquireLock('lock', command);
  }

  /** One `parx integrate` at a time: it builds in the one scratch worktree. */
  async acquireIntegrateLock(): Promise<RunLock> {
    return this.acquireLock(join('integrate', 'lock'), 'integrate');
  }

  /** One review of a session at a time (`parx review`, and the guard's automatic ones). */
  async acquireReviewLock(session: string, tip: string): Promise<RunLock> {
    return this.acquireLock(join('reviews', 'running', session), `review ${tip}`);
  }

  /** The live review of a session, if one runs: the tip it reviews. */
  async readRunningReview(session: string): Promise<{ pid: number; tip: string } | undefined> {
    const holder = await readLiveLock(join(this.dir, 'reviews', 'running', session));
    return holder && { pid: holder.pid, tip: holder.command.replace(/^review /, '') };
  }

  /** The live holder of the run lock (`up`, `down`, `sync`, `grant`), if any. */
  async readRunLockHolder(): Promise<{ pid: number; command: string } | undefined> {
    return readLiveLock(join(this.dir, 'lock'));
  }

  private async acquireLock(name: string, command: string): Promise<RunLock> {
    const path = join(this.dir, name);
    await this.ensureDir(dirname(path));
    return acquireLockFile(path, command, this.dir);
  }

  /**
   * What `parx sync` last changed in a session's worktree (path → blob id, null: deleted):
   * the guard knows those writes for parx's own. Outside the session's folder, so its agent
   * cannot claim a write of its own was the sync's.
   */
  syncRecordPath(session: string): string {
    return join(this.dir, 'syncs', `${session}.json`);
  }

  async writeSyncRecord(session: string, record: SyncRecord): Promise<void> {
    await this.writeAtomically(this.syncRecordPath(session), `${JSON.stringify(record)}\n`);
  }

  /**
   * The tip of each sandboxed session whose objects parx has verified into the shared store
   * (adapters/session-objects.ts): a tip that has not changed needs no second look.
   */
  async readVerifiedTips(): Promise<Record<string, string>> {
    return (await readJsonFile<Record<string, string>>(join(this.dir, 'verified.json'))) ?? {};
  }

  async writeVerifiedTips(tips: Record<string, string>): Promise<void> {
    await this.writeAtomically(join(this.dir, 'verified.json'), `${JSON.stringify(tips)}\n`);
  }

  /** A folder of parx's own for short-lived files (a temporary git index): made when asked for. */
  async ensureScratchDir(): Promise<string> {
    const dir = join(this.dir, 'tmp');
    await this.ensureDir(dir);
    return dir;
  }

  /** Where `parx integrate` keeps its scratch worktree and its last result. */
  get integrateDir(): string {
    return join(this.dir, 'integrate');
  }

  get scratchWorktree(): string {
    return join(this.integrateDir, 'tree');
  }

  async readIntegration(): Promise<IntegrationRecord | undefined> {
    return readJsonFile<IntegrationRecord>(join(this.integrateDir, 'last.json'));
  }

  async writeIntegration(record: IntegrationRecord): Promise<void> {
    await this.writeAtomically(join(this.integrateDir, 'last.json'), `${JSON.stringify(record, null, 2)}\n`);
  }

  /** Whether `setup` has succeeded in the scratch worktree (run again until it has). */
  async readScratchSetup(): Promise<'ok' | 'failed' | undefined> {
    return (await readJsonFile<{ setup: 'ok' | 'failed' }>(join(this.integrateDir, 'setup.json')))?.setup;
  }

  async writeScratchSetup(setup: 'ok' | 'failed'): Promise<void> {
    await this.writeAtomically(join(this.integrateDir, 'setup.json'), `${JSON.stringify({ setup })}\n`);
  }

  /** The pid of the guard that records, if one took the lock (it may have died since). */
  async readGuardPid(): Promise<number | undefined> {
    const pid = Number(await readFile(join(this.dir, 'guard.pid'), 'utf8').catch(() => ''));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  async releaseGuardLock(): Promise<void> {
    const path = join(this.dir, 'guard.pid');
    if (Number(await readFile(path, 'utf8').catch(() => '0')) === process.pid) await rm(path, { force: true });
  }

  /** The recording guard's health, for `parx status`: who it is, and which folders it can only poll. */
  async writeGuardHealth(health: GuardHealth): Promise<void> {
    await this.writeAtomically(join(this.dir, 'guard.json'), `${JSON.stringify(health)}\n`);
  }

  async readGuardHealth(): Promise<GuardHealth | undefined> {
    return readJsonFile<GuardHealth>(join(this.dir, 'guard.json'));
  }

  /**
   * Waits (at most `timeoutMs`) until the recording guard, if one runs, judges by the state.json
   * written last: after a grant, the very next write of the session it was taken from must be
   * judged by the new ownership. Returns whether it does (true too when no guard runs).
   */
  async waitForGuardToSeeState(timeoutMs = 3000): Promise<boolean> {
    const written = (await stat(this.statePath).catch(() => undefined))?.mtimeMs;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pid = await this.readGuardPid();
      if (written === undefined || pid === undefined || !isProcessAlive(pid)) return true;
      const health = await this.readGuardHealth();
      if (health?.pid === pid && (health.stateSeen ?? 0) >= written) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async writePrompt(session: string, text: string): Promise<string> {
    const path = this.promptPath(session);
    await this.writeAtomically(path, text);
    return path;
  }
}

export { isProcessAlive };

/**
 * A file of parx's own that must be there whole or not at all: undefined when missing, its text
 * when it is a regular file, and an error for anything else (a folder, a FIFO, a link), which
 * never blocks.
 */
async function readOwnFile(path: string): Promise<string | undefined> {
  const text = await readUntrusted(path, 64 * 1024 * 1024);
  if (text !== undefined) return text;
  const stat = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!stat) return undefined;
  // Written (renamed into place) between the two looks: read it again.
  if (stat.isFile()) return readUntrusted(path, 64 * 1024 * 1024);
  throw new Error(`${path} is not a regular file; parx did not make it so: remove it, then run parx up`);
}

/** A JSON file of parx's own folders, or undefined when it is missing or unreadable. */
async function readJsonFile<T>(path: string): Promise<T | undefined> {
  return readUntrustedJson<T>(path, 64 * 1024 * 1024);
}

function isAgentStateRecord(value: unknown): value is AgentStateRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (r.state === 'working' || r.state === 'waiting' || r.state === 'exited') && typeof r.time === 'string' && !Number.isNaN(Date.parse(r.time));
}
