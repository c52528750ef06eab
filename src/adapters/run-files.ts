import { readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readJsonFile, readOwnFile } from './run-folder.js';
import { RunMessages } from './run-messages.js';
import { acquireLockFile, isProcessAlive, readLiveLock, takeLockFile, type RunLock } from './run-locks.js';
import type { HookPolicy } from '../core/hook-policy.js';
import type { IntegrationRecord } from '../core/integration.js';
import type { GuardHealth, RunEvent, RunState } from '../core/run-state.js';

/**
 * The files parx keeps under `<git-common-dir>/parx/`: never in a working tree, so no agent
 * can commit them and every worktree of the repository sees the same run.
 *
 * Two kinds of folder live here. Everything parx writes for itself (state, policy, prompts,
 * each session's inbox, the states the guard infers) is in folders no session's sandbox may
 * write. `agents/<session>/` is the one folder a session may write (its hooks report there), so
 * whatever parx reads from it goes through adapters/untrusted-files.ts: no links followed, no
 * FIFO waited on, sizes bounded. parx writes nothing there.
 *
 * In three layers: run-folder.ts (writing into the folder safely), run-messages.ts (what passes
 * between parx and each session: states, requests, inbox, notes) and this file (the run's own
 * records: state, policy, events, locks, prompts, integration).
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

export type { InboxMessage } from './run-messages.js';

export class RunFiles extends RunMessages {
  get statePath(): string {
    return join(this.dir, 'state.json');
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

  /** A Gemini session's GEMINI_CLI_HOME: parx's own, read-only to the session (ops/up/agent-hooks.ts). */
  geminiHome(session: string): string {
    return join(this.dir, 'gemini', session);
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
