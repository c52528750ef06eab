import { describe, expect, it } from 'vitest';
import {
  addClaudeLines,
  addCodexLines,
  addGeminiLines,
  countTokens,
  emptyUsage,
  getBudgetReached,
  getCodexRolloutCwd,
  getCursorUsage,
  resolveBudget,
  takeCompleteLines,
  type UsageCursor,
} from '../../src/core/usage.js';

const cursor = (source: string): UsageCursor => ({ file: 'f', offset: 0, usage: emptyUsage(source) });
const claude = (id: string, input: number, output: number, cacheRead = 0) =>
  JSON.stringify({
    type: 'assistant',
    message: { id, usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: cacheRead, cache_creation_input_tokens: 0 } },
  });
const codex = (input: number, cached: number, output: number) =>
  JSON.stringify({
    type: 'event_msg',
    payload: { type: 'token_count', info: { total_token_usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output } } },
  });

describe('Claude Code transcripts: each assistant message counts once, with its last figures', () => {
  it.each<[string, string[], [number, number, number]]>([
    ['one message', [claude('m1', 100, 10)], [100, 10, 0]],
    ['two messages', [claude('m1', 100, 10), claude('m2', 200, 20, 50)], [300, 30, 50]],
    ['one message streamed as three lines', [claude('m1', 100, 1), claude('m1', 100, 5), claude('m1', 100, 10)], [100, 10, 0]],
    ['user lines, summaries and damaged lines skipped', ['{"type":"user","message":{}}', '{not json', claude('m1', 7, 3), '{"type":"summary"}'], [7, 3, 0]],
    ['no usage at all', ['{"type":"assistant","message":{"id":"x"}}'], [0, 0, 0]],
  ])('%s', (_, lines, [input, output, cache]) => {
    const u = getCursorUsage(addClaudeLines(cursor('claude-transcript'), lines));
    expect([u.inputTokens, u.outputTokens, u.cacheTokens]).toEqual([input, output, cache]);
    expect(u.costUsd).toBeNull();
  });

  it('reads on from where it stopped, a message split across two reads counting once', () => {
    const first = addClaudeLines(cursor('claude-transcript'), [claude('m1', 100, 1)]);
    const second = addClaudeLines(first, [claude('m1', 100, 10), claude('m2', 50, 5)]);
    expect(getCursorUsage(second)).toMatchObject({ inputTokens: 150, outputTokens: 15 });
  });
});

describe('Codex rollouts: the last token_count total is the figure', () => {
  it.each<[string, string[], [number, number, number]]>([
    ['one count', [codex(1000, 200, 50)], [800, 50, 200]],
    ['the last total wins', [codex(100, 0, 5), codex(300, 100, 20)], [200, 20, 100]],
    ['info null (a rate-limit only event) is skipped', [codex(100, 0, 5), '{"type":"event_msg","payload":{"type":"token_count","info":null}}'], [100, 5, 0]],
    ['other events skipped', ['{"type":"response_item","payload":{}}', codex(10, 0, 1)], [10, 1, 0]],
  ])('%s', (_, lines, [input, output, cache]) => {
    const u = addCodexLines(cursor('codex-rollout'), lines).usage;
    expect([u.inputTokens, u.outputTokens, u.cacheTokens]).toEqual([input, output, cache]);
  });

  it('tells which folder a rollout belongs to from its first line', () => {
    expect(getCodexRolloutCwd(JSON.stringify({ type: 'session_meta', payload: { cwd: '/w/a', cli_version: '0.171.0' } }))).toBe('/w/a');
    expect(getCodexRolloutCwd('{"type":"event_msg"}')).toBeUndefined();
    expect(getCodexRolloutCwd('{trunc')).toBeUndefined();
  });
});

describe('Gemini CLI chat records: each model message counts once, with its last tokens', () => {
  const gemini = (id: string, tokens?: object) => JSON.stringify({ id, type: 'gemini', content: 'x', ...(tokens && { tokens }) });
  it.each<[string, string[], [number, number, number]]>([
    [
      'a message, then its tokens appended with the same id',
      [gemini('g1'), gemini('g1', { input: 100, output: 10, cached: 0, thoughts: 0, tool: 0 })],
      [100, 10, 0],
    ],
    ['cached input apart, thoughts as output', [gemini('g1', { input: 100, output: 10, cached: 40, thoughts: 5, tool: 0 })], [60, 15, 40]],
    ['two messages, user lines skipped', [gemini('g1', { input: 1, output: 2 }), '{"id":"u","type":"user"}', gemini('g2', { input: 3, output: 4 })], [4, 6, 0]],
  ])('%s', (_, lines, [input, output, cache]) => {
    const u = getCursorUsage(addGeminiLines(cursor('gemini-chat'), lines));
    expect([u.inputTokens, u.outputTokens, u.cacheTokens]).toEqual([input, output, cache]);
  });
});

describe('takeCompleteLines: a line still being written waits for the next read', () => {
  it.each<[string, string, number, number]>([
    ['complete lines', 'a\nb\n', 2, 4],
    ['a partial last line', 'a\nb\n{"type":"assi', 2, 4],
    ['only a partial line', '{"type"', 0, 0],
    ['multi-byte text counted in bytes', 'é\n', 1, 3],
  ])('%s', (_, text, lines, bytes) => {
    const taken = takeCompleteLines(text);
    expect([taken.lines.length, taken.bytes]).toEqual([lines, bytes]);
  });
});

describe('budgets', () => {
  const usage = { inputTokens: 900, outputTokens: 100, cacheTokens: 0, costUsd: null, source: 'claude-transcript' };
  it.each<[string, Parameters<typeof getBudgetReached>[1], string | undefined]>([
    ['no budget', undefined, undefined],
    ['under the token limit', { tokens: 1001 }, undefined],
    ['at the token limit', { tokens: 1000 }, '1000 tokens of its 1000'],
    ['a cost limit without a known cost is not reached', { usd: 0.01 }, undefined],
  ])('%s', (_, budget, expected) => {
    expect(getBudgetReached(usage, budget)).toBe(expected);
  });

  it('a known cost counts against usd', () => {
    expect(getBudgetReached({ ...usage, costUsd: 5.5 }, { usd: 5 })).toBe('$5.50 of its $5');
    expect(countTokens(usage)).toBe(1000);
  });

  it('raised limits override the session’s, which override the run’s', () => {
    expect(resolveBudget({ usd: 5, tokens: 100 }, { tokens: 200 }, { tokens: 300 })).toEqual({ usd: 5, tokens: 300 });
    expect(resolveBudget(undefined, undefined, undefined)).toBeUndefined();
  });
});

describe('the budget configuration', () => {
  const session = (extra: Record<string, unknown> = {}) => ({ owns: ['src/a/**'], task: 't', ...extra });
  it.each([
    [{ budget: { usd: -1 } }, 'budget.usd: expected a number > 0'],
    [{ budget: { tokens: 'lots' } }, 'budget.tokens: expected a number, got the string "lots"'],
    [{ budget: { tokens: 1.5 } }, 'budget.tokens: expected a whole number'],
    [{ budget: { dollars: 5 } }, 'budget.dollars: unknown key'],
    [{ sessions: { a: session({ budget: { usd: 0 } }) } }, 'sessions.a.budget.usd: expected a number > 0'],
  ])('refuses %j', async (raw, expected) => {
    const { validateConfig } = await import('../../src/core/config-validate.js');
    const result = validateConfig({ sessions: { a: session() }, ...raw }, { readTaskFile: () => '' });
    expect(result.ok ? '' : result.problems.map((p) => `${p.keyPath}: ${p.message}`).join('\n')).toContain(expected);
  });

  it('gives each session the run’s budget with its own keys over it', async () => {
    const { validateConfig } = await import('../../src/core/config-validate.js');
    const result = validateConfig(
      { budget: { usd: 5, tokens: 1000 }, sessions: { a: session({ budget: { tokens: 50 } }), b: session({ owns: ['b'] }) } },
      { readTaskFile: () => '' },
    );
    expect(result.ok && result.config.sessions.map((s) => s.budget)).toEqual([
      { usd: 5, tokens: 50 },
      { usd: 5, tokens: 1000 },
    ]);
  });
});
