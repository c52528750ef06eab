import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readUntrustedJson, readUntrustedJsonLines } from './untrusted-files.js';
import { readJsonFile, RunFolder } from './run-folder.js';
import type { RequestLine } from '../core/requests.js';
import type { AgentStateRecord } from '../core/run-state.js';

/** A message waiting for a session's agent. */
export interface InboxMessage {
  from: 'human' | 'parx';
  text: string;
  time: string;
}

/**
 * What passes between parx and each session: its agent's reported state, the requests its hook
 * recorded, the messages waiting for it (its inbox) or for the human to pass on (notes). What a
 * session writes is in its own folder and read as untrusted; what parx writes is in folders the
 * session can read but not write.
 */
export class RunMessages extends RunFolder {
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
    return this.appendMessage(this.inboxPath(session), message);
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
    return this.appendMessage(this.notesPath(session), message);
  }

  private async appendMessage(path: string, message: Omit<InboxMessage, 'time'>): Promise<InboxMessage> {
    const full = { time: new Date().toISOString(), ...message };
    await this.appendLines([JSON.stringify(full)], path);
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
}

function isAgentStateRecord(value: unknown): value is AgentStateRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (r.state === 'working' || r.state === 'waiting' || r.state === 'exited') && typeof r.time === 'string' && !Number.isNaN(Date.parse(r.time));
}
