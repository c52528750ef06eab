/**
 * What a session has cost, from its agent's own accounting (docs/usage.md), and
 * whether it reached its budget. Pure: the parsers take the new text of a file since the last
 * read (adapters/usage-files.ts keeps the offset), so a 50 MB transcript is read once, not on
 * every look. A line cut short by a writer mid-write is left for the next read; a damaged one is
 * skipped: the figure stays at the last good one.
 */

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Tokens read from (or written to) the model's prompt cache. */
  cacheTokens: number;
  /** Only where the agent itself gives a cost; null otherwise, never an estimate of parx's. */
  costUsd: number | null;
  /** Where the figures come from: `claude-transcript`, `codex-rollout`. */
  source: string;
}

export interface Budget {
  usd?: number;
  tokens?: number;
}

/** What parx carries from one read of a file to the next. */
export interface UsageCursor {
  file: string;
  offset: number;
  usage: Usage;
  /** Claude Code: the message being streamed (its lines repeat its usage; the last one counts). */
  open?: { id: string; input: number; output: number; cache: number };
}

export const emptyUsage = (source: string): Usage => ({ inputTokens: 0, outputTokens: 0, cacheTokens: 0, costUsd: null, source });

/** The complete lines of `text` (a trailing partial line is not yet a line), and how many bytes they take. */
export function takeCompleteLines(text: string): { lines: string[]; bytes: number } {
  const end = text.lastIndexOf('\n');
  if (end < 0) return { lines: [], bytes: 0 };
  const complete = text.slice(0, end + 1);
  return { lines: complete.split('\n').filter((l) => l.trim() !== ''), bytes: Buffer.byteLength(complete) };
}

const parse = (line: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/**
 * Claude Code's transcript (`~/.claude/projects/<folder>/<session id>.jsonl`): each assistant
 * message's `usage`. A message streamed as several content blocks is written as several lines
 * with the same `message.id`: it counts once, with its last figures.
 */
export function addClaudeLines(cursor: UsageCursor, lines: readonly string[]): UsageCursor {
  return addPerMessage(cursor, lines, (record) => {
    const message = record.type === 'assistant' ? (record.message as Record<string, unknown> | undefined) : undefined;
    const u = message?.usage as Record<string, unknown> | undefined;
    if (!message || !u) return undefined;
    return {
      id: typeof message.id === 'string' ? message.id : '',
      input: num(u.input_tokens),
      output: num(u.output_tokens),
      cache: num(u.cache_creation_input_tokens) + num(u.cache_read_input_tokens),
    };
  });
}

/**
 * Agents that write a message's record again as it grows (Claude Code per content block, Gemini
 * CLI once its usage is known): the last record of a message counts, once. `read` gives a line's
 * message and figures, or undefined for a line without them.
 */
function addPerMessage(cursor: UsageCursor, lines: readonly string[], read: (record: Record<string, unknown>) => UsageCursor['open']): UsageCursor {
  let { usage, open } = cursor;
  for (const line of lines) {
    const record = parse(line);
    const message = record && read(record);
    if (!message) continue;
    if (open && open.id !== message.id) usage = addOpen(usage, open);
    open = message;
  }
  return { ...cursor, usage, open };
}

const addOpen = (usage: Usage, open: NonNullable<UsageCursor['open']>): Usage => ({
  ...usage,
  inputTokens: usage.inputTokens + open.input,
  outputTokens: usage.outputTokens + open.output,
  cacheTokens: usage.cacheTokens + open.cache,
});

/**
 * Gemini CLI's chat record (`<its home>/.gemini/tmp/<project>/chats/session-*.jsonl`): each model
 * message's `tokens`, appended again (with the same id) once its usage is known; the last record
 * of a message counts. Its `input` includes what the cache served (shown apart) and thinking
 * tokens are output the model wrote.
 */
export function addGeminiLines(cursor: UsageCursor, lines: readonly string[]): UsageCursor {
  return addPerMessage(cursor, lines, (record) => {
    const t = record.type === 'gemini' ? (record.tokens as Record<string, unknown> | undefined) : undefined;
    if (!t) return undefined;
    const cached = num(t.cached);
    return {
      id: typeof record.id === 'string' ? record.id : '',
      input: Math.max(0, num(t.input) - cached) + num(t.tool),
      output: num(t.output) + num(t.thoughts),
      cache: cached,
    };
  });
}

/** The figures so far, the message being streamed included. */
export function getCursorUsage(cursor: UsageCursor): Usage {
  return cursor.open ? addOpen(cursor.usage, cursor.open) : cursor.usage;
}

/**
 * Codex's rollout file (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`): its `token_count`
 * events carry the thread's running total (`info.total_token_usage`); the last one is the figure.
 * Codex counts cached input inside `input_tokens`: parx shows it apart.
 */
export function addCodexLines(cursor: UsageCursor, lines: readonly string[]): UsageCursor {
  let { usage } = cursor;
  for (const line of lines) {
    const record = parse(line);
    const payload = record?.type === 'event_msg' ? (record.payload as Record<string, unknown> | undefined) : undefined;
    if (payload?.type !== 'token_count') continue;
    const total = (payload.info as Record<string, unknown> | null | undefined)?.total_token_usage as Record<string, unknown> | undefined;
    if (!total) continue;
    const cached = num(total.cached_input_tokens);
    usage = { ...usage, inputTokens: Math.max(0, num(total.input_tokens) - cached), outputTokens: num(total.output_tokens), cacheTokens: cached };
  }
  return { ...cursor, usage };
}

/** The cwd a Codex rollout belongs to: its first line, `session_meta`. */
export function getCodexRolloutCwd(firstLine: string): string | undefined {
  const record = parse(firstLine);
  const payload = record?.type === 'session_meta' ? (record.payload as Record<string, unknown> | undefined) : undefined;
  return typeof payload?.cwd === 'string' ? payload.cwd : undefined;
}

/** Several files' figures (a session may have several transcripts: `/clear`, a restart) as one. */
export function sumUsage(parts: readonly Usage[], source: string): Usage | null {
  if (parts.length === 0) return null;
  const costs = parts.map((p) => p.costUsd);
  return {
    inputTokens: parts.reduce((n, p) => n + p.inputTokens, 0),
    outputTokens: parts.reduce((n, p) => n + p.outputTokens, 0),
    cacheTokens: parts.reduce((n, p) => n + p.cacheTokens, 0),
    costUsd: costs.every((c) => c !== null) ? costs.reduce((n, c) => n + c, 0) : null,
    source,
  };
}

/** Tokens that count against a budget: what the model read and wrote, cache reads included. */
export const countTokens = (u: Usage): number => u.inputTokens + u.outputTokens + u.cacheTokens;

/** Which limit a session's usage has reached, if any (a cost limit only where the cost is known). */
export function getBudgetReached(usage: Usage | null, budget: Budget | undefined): string | undefined {
  if (!usage || !budget) return undefined;
  if (budget.tokens !== undefined && countTokens(usage) >= budget.tokens) return `${countTokens(usage)} tokens of its ${budget.tokens}`;
  if (budget.usd !== undefined && usage.costUsd !== null && usage.costUsd >= budget.usd) return `$${usage.costUsd.toFixed(2)} of its $${budget.usd}`;
  return undefined;
}

/** A session's budget: its own keys over the run's, then what `parx budget` raised it to. */
export function resolveBudget(run: Budget | undefined, own: Budget | undefined, raised: Budget | undefined): Budget | undefined {
  const merged = { ...run, ...own, ...raised };
  return merged.usd === undefined && merged.tokens === undefined ? undefined : merged;
}
