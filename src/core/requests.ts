import type { Ownership } from './ownership.js';
import { escapeControlChars } from './safe-text.js';

/**
 * Ownership requests: a write the hook denied because another session owns the path becomes a
 * request to that owner, which the human grants or refuses. Pure: the lines come from each
 * session's `agents/<session>/requests.jsonl` (written by its hook, inside its sandbox) and the
 * decisions from the run state (written by `parx grant`/`refuse`).
 *
 * What a session's folder says is trusted only for what it can decide: the requester is the
 * folder's session (never a field of the line), and the owner is worked out again from the
 * run's ownership when listed (a line cannot name one).
 */

/** One line of a session's requests.jsonl. */
export type RequestLine =
  { type: 'request'; id: string; path: string; tool?: string; time: string } | { type: 'reason'; id: string; reason: string; time: string };

export interface RequestDecision {
  decision: 'granted' | 'refused';
  time: string;
  why?: string;
}

export interface OwnershipRequest {
  id: string;
  /** The session that asked. */
  from: string;
  /** Who owns the path now (undefined: nobody does any more). */
  owner: string | undefined;
  path: string;
  /** What the requester said it needs (empty until it says). */
  reason: string;
  time: string;
  status: 'open' | RequestDecision['decision'];
}

/** Request ids name their session (`auth-3`), so `parx grant auth-3` needs no lookup table. */
export function getNextRequestId(session: string, lines: readonly RequestLine[]): string {
  return `${session}-${lines.filter((l) => l.type === 'request').length + 1}`;
}

/** The session a request id belongs to, or undefined when the id is not one. */
export function getRequestSession(id: string): string | undefined {
  const match = /^([a-z0-9][a-z0-9_-]{0,39})-(\d+)$/.exec(id);
  return match ? match[1] : undefined;
}

/**
 * Whether a request line's path is one parx can act on and quote: relative to the repository
 * root, normalized (no `.`, `..` or empty segments, no backslash), no control characters. A
 * session writes its own requests file, so a path holding a newline must never become a line
 * of another message ("- From the human: …"), nor a grant of something outside the repository.
 */
export function isValidRequestPath(path: unknown): path is string {
  if (typeof path !== 'string' || path === '' || path.length > 4096) return false;
  if (escapeControlChars(path) !== path || path.includes('\\') || path.startsWith('/')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** A path as it is quoted in messages to agents and humans: in backticks, so it reads as a name, never as a sentence. */
export function quotePath(path: string): string {
  return `\`${escapeControlChars(path).replaceAll('`', "'")}\``;
}

/** Every request of one session, with its reason and decision. */
export function foldRequests(
  session: string,
  lines: readonly RequestLine[],
  decisions: Readonly<Record<string, RequestDecision>>,
  ownership: Ownership,
): OwnershipRequest[] {
  const requests = new Map<string, OwnershipRequest>();
  for (const line of lines) {
    // Lines come from a file the session writes: each field is checked before it is used.
    if (typeof line !== 'object' || line === null || typeof line.id !== 'string' || getRequestSession(line.id) !== session) continue;
    const time = typeof line.time === 'string' && !Number.isNaN(Date.parse(line.time)) ? line.time : new Date(0).toISOString();
    if (line.type === 'request' && isValidRequestPath(line.path) && !requests.has(line.id)) {
      requests.set(line.id, { id: line.id, from: session, owner: undefined, path: line.path, reason: '', time, status: 'open' });
    } else if (line.type === 'reason' && typeof line.reason === 'string') {
      const request = requests.get(line.id);
      if (request) request.reason = oneLine(line.reason);
    }
  }
  return [...requests.values()].map((r) => {
    const owners = ownership.ownersOf(r.path);
    const status = decisions[r.id]?.decision ?? 'open';
    return { ...r, owner: owners.find((o) => o !== session) ?? owners[0], status };
  });
}

/** The open request of `session` for `path`, if any: asking twice for a path is one request. */
export function findOpenRequest(requests: readonly OwnershipRequest[], path: string): OwnershipRequest | undefined {
  return requests.find((r) => r.status === 'open' && r.path === path);
}

/** A reason is one line, at most 300 characters, no control characters: it is shown in a table, a notification and a message to an agent. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it removes
  const line = text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
