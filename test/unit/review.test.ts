import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/core/config-validate.js';
import { getReviewRefusal } from '../../src/core/merge-queue.js';
import {
  describeReviewCell,
  formatFindingsMessage,
  getReviewStanding,
  parseAnswer,
  parseFindings,
  shouldReviewNow,
  type Verdict,
} from '../../src/core/review.js';
import { buildReviewerArgv } from '../../src/core/reviewer-command.js';

const v = (verdict: Verdict['verdict'], tip: string, by: Verdict['by'] = 'agent', findings: Verdict['findings'] = []): Verdict => ({
  session: 'a',
  tip,
  base: 'b0',
  round: 0,
  verdict,
  by,
  reviewer: by === 'agent' ? 'claude' : 'ann',
  findings,
  summary: '',
  time: '2026-12-03T00:00:00Z',
});
const finding = { file: 'src/a.ts', line: 3, severity: 'major' as const, text: 'wrong' };

describe('getReviewStanding: which verdict counts for a tip, and when a human is needed', () => {
  it.each<[string, Verdict[], string, number, { passed: boolean; stale: boolean; failures: number; needsHuman: boolean; nextRound: number }]>([
    ['no verdict yet', [], 't1', 3, { passed: false, stale: false, failures: 0, needsHuman: false, nextRound: 1 }],
    ['a pass on the tip', [v('pass', 't1')], 't1', 3, { passed: true, stale: false, failures: 0, needsHuman: false, nextRound: 2 }],
    ['a pass on an older commit is stale', [v('pass', 't1')], 't2', 3, { passed: false, stale: true, failures: 0, needsHuman: false, nextRound: 2 }],
    ['changes on the tip', [v('changes', 't1')], 't1', 3, { passed: false, stale: false, failures: 1, needsHuman: false, nextRound: 2 }],
    ['an error never passes', [v('error', 't1')], 't1', 3, { passed: false, stale: false, failures: 1, needsHuman: false, nextRound: 2 }],
    [
      'changes, error, changes: rounds used up',
      [v('changes', 't1'), v('error', 't2'), v('changes', 't3')],
      't3',
      3,
      { passed: false, stale: false, failures: 3, needsHuman: true, nextRound: 4 },
    ],
    ['rounds: 1 and one failure', [v('changes', 't1')], 't2', 1, { passed: false, stale: true, failures: 1, needsHuman: true, nextRound: 2 }],
    [
      'a pass between failures starts the count again',
      [v('changes', 't1'), v('pass', 't2'), v('changes', 't3')],
      't3',
      2,
      { passed: false, stale: false, failures: 1, needsHuman: false, nextRound: 4 },
    ],
    [
      'a human verdict clears the need',
      [v('changes', 't1'), v('changes', 't2'), v('changes', 't2', 'human')],
      't2',
      2,
      { passed: false, stale: false, failures: 0, needsHuman: false, nextRound: 4 },
    ],
    [
      'a human pass lands the tip',
      [v('error', 't1'), v('pass', 't1', 'human')],
      't1',
      3,
      { passed: true, stale: false, failures: 0, needsHuman: false, nextRound: 3 },
    ],
    [
      'the latest counts, not the best',
      [v('pass', 't1'), v('changes', 't1')],
      't1',
      3,
      { passed: false, stale: false, failures: 1, needsHuman: false, nextRound: 3 },
    ],
  ])('%s', (_, verdicts, tip, rounds, expected) => {
    expect(getReviewStanding(verdicts, tip, rounds)).toMatchObject(expected);
  });
});

describe('shouldReviewNow: the guard’s automatic reviews', () => {
  const standing = (verdicts: Verdict[], tip: string) => getReviewStanding(verdicts, tip, 2);
  it.each<[string, Verdict[], { tip: string | undefined; ahead: number; running: boolean }, boolean]>([
    ['commits, no verdict', [], { tip: 't1', ahead: 1, running: false }, true],
    ['no branch', [], { tip: undefined, ahead: 0, running: false }, false],
    ['no commits beyond base', [], { tip: 't1', ahead: 0, running: false }, false],
    ['a verdict on this tip already', [v('changes', 't1')], { tip: 't1', ahead: 1, running: false }, false],
    ['a new commit since the verdict', [v('changes', 't1')], { tip: 't2', ahead: 2, running: false }, true],
    ['a review under way', [], { tip: 't1', ahead: 1, running: true }, false],
    ['needs a human', [v('changes', 't1'), v('error', 't2')], { tip: 't3', ahead: 3, running: false }, false],
  ])('%s', (_, verdicts, facts, expected) => {
    expect(shouldReviewNow(standing(verdicts, facts.tip ?? ''), facts)).toBe(expected);
  });
});

describe('describeReviewCell: the status column', () => {
  it.each<[string, Parameters<typeof describeReviewCell>[0], boolean, string]>([
    ['nothing', null, false, '—'],
    ['a review under way wins', { verdict: 'changes', stale: false, findings: [], running: true }, true, 'reviewing'],
    ['needs a human', { verdict: 'changes', stale: false, findings: [finding], running: false }, true, 'needs human'],
    ['stale', { verdict: 'pass', stale: true, findings: [], running: false }, false, 'stale'],
    ['pass', { verdict: 'pass', stale: false, findings: [], running: false }, false, 'pass'],
    ['changes, with the findings counted', { verdict: 'changes', stale: false, findings: [finding, finding], running: false }, false, 'changes 2'],
    ['error', { verdict: 'error', stale: false, findings: [], running: false }, false, 'error'],
  ])('%s', (_, review, needsHuman, expected) => {
    expect(describeReviewCell(review, needsHuman)).toBe(expected);
  });
});

describe('parseFindings: what a reviewer submits', () => {
  it.each<[string, string, string | number]>([
    ['a list', JSON.stringify([finding, { file: 'b.ts', severity: 'nit', text: 'n' }]), 2],
    ['an empty list', '[]', 0],
    ['not JSON', '[{file:', 'the findings are not JSON'],
    ['not a list', '{"file":"a"}', 'expected'],
    ['an unknown severity', JSON.stringify([{ ...finding, severity: 'huge' }]), 'the findings at [0].severity'],
    ['no text', JSON.stringify([{ file: 'a.ts', severity: 'nit' }]), 'the findings at [0].text'],
    ['a negative line', JSON.stringify([{ ...finding, line: -1 }]), 'the findings at [0].line'],
  ])('%s', (_, text, expected) => {
    const result = parseFindings(text);
    if (typeof expected === 'number') expect(result.ok && result.findings.length).toBe(expected);
    else expect(!result.ok && result.problem).toContain(expected);
  });

  it('an answer file must be a whole answer', () => {
    expect(parseAnswer({ verdict: 'pass', findings: [], summary: '' })).toEqual({ verdict: 'pass', findings: [], summary: '' });
    expect(parseAnswer({ verdict: 'error', findings: [], summary: '' })).toBeUndefined();
    expect(parseAnswer({ verdict: 'pass' })).toBeUndefined();
    expect(parseAnswer('pass')).toBeUndefined();
  });
});

describe('getReviewRefusal: the gate in down', () => {
  const review = (over: Partial<Parameters<typeof getReviewRefusal>[0]> = {}) => ({
    required: true,
    passed: false,
    latest: undefined,
    stale: false,
    running: false,
    needsHuman: false,
    ...over,
  });
  it.each<[string, Parameters<typeof getReviewRefusal>[0], { ahead: number; uncommitted: number }, string | undefined]>([
    ['not required', review({ required: false }), { ahead: 1, uncommitted: 0 }, undefined],
    ['nothing to land', review(), { ahead: 0, uncommitted: 0 }, undefined],
    ['a pass on the tip', review({ passed: true, latest: { verdict: 'pass', findings: [] } }), { ahead: 2, uncommitted: 0 }, undefined],
    ['never reviewed', review(), { ahead: 1, uncommitted: 0 }, 'null'],
    ['changes', review({ latest: { verdict: 'changes', findings: [finding] } }), { ahead: 1, uncommitted: 0 }, 'changes'],
    [
      'a pass, but uncommitted work would land unreviewed',
      review({ passed: true, latest: { verdict: 'pass', findings: [] } }),
      { ahead: 1, uncommitted: 2 },
      'pass stale',
    ],
    ['stale', review({ stale: true, latest: { verdict: 'pass', findings: [] } }), { ahead: 1, uncommitted: 0 }, 'pass stale'],
  ])('%s', (_, facts, work, expected) => {
    const refusal = getReviewRefusal(facts, work);
    expect(refusal && refusal.kind === 'review' ? `${refusal.verdict}${refusal.stale ? ' stale' : ''}` : undefined).toBe(expected);
  });
});

describe('the review configuration', () => {
  const session = (extra: Record<string, unknown> = {}) => ({ owns: ['src/a/**'], task: 't', ...extra });
  const resolve = (raw: Record<string, unknown>) => {
    const result = validateConfig(raw, { readTaskFile: () => '' });
    if (!result.ok) throw new Error(result.problems.map((p) => `${p.keyPath}: ${p.message}`).join('\n'));
    return result.config.sessions.map((s) => s.review);
  };

  it('has no review without `review:`, the defaults with it, a session’s keys over the top level’s, and none for review: false', () => {
    expect(resolve({ sessions: { a: session() } })).toEqual([undefined]);
    expect(
      resolve({
        agent: 'codex',
        review: { instructions: 'Be strict.' },
        sessions: { a: session(), b: session({ owns: ['b'], review: { rounds: 1, agent: 'claude' } }), c: session({ owns: ['c'], review: false }) },
      }),
    ).toEqual([
      { agent: 'codex', instructions: 'Be strict.', rounds: 3, required: true, auto: true, timeoutMs: 1_200_000 },
      { agent: 'claude', instructions: 'Be strict.', rounds: 1, required: true, auto: true, timeoutMs: 1_200_000 },
      undefined,
    ]);
    expect(resolve({ sessions: { a: session({ review: true }) } })[0]).toMatchObject({ agent: 'claude', rounds: 3 });
  });

  it.each([
    [{ review: { agnet: 'x' } }, 'review.agnet: unknown key; did you mean "agent"?'],
    [{ review: { rounds: 0 } }, 'review.rounds: expected a number ≥ 1'],
    [{ review: { required: 'yes' } }, 'review.required: expected true or false'],
    [{ review: { timeout: 'soon' } }, 'review.timeout: expected an interval of at least 1s'],
    [{ review: { agent: 'claude "' } }, 'review.agent: expected a command line; it has an unterminated " quote'],
    [{ sessions: { a: session({ review: { roundz: 2 } }) } }, 'sessions.a.review.roundz: unknown key; did you mean "rounds"?'],
    [{ sessions: { a: session({ review: 'no' }) } }, 'sessions.a.review: expected'],
  ])('refuses %j', (raw, expected) => {
    const result = validateConfig({ sessions: { a: session() }, ...raw }, { readTaskFile: () => '' });
    expect(result.ok ? [] : result.problems.map((p) => `${p.keyPath}: ${p.message}`).join('\n')).toContain(expected);
  });
});

describe('the reviewer’s command line and the author’s message', () => {
  const prompt = { text: 'Review it.', file: '/run/prompt.md' };
  it.each<[string, string, string[] | undefined]>([
    ['claude, headless with the settings passed', 'claude', ['claude', '-p', '--settings', '/s.json', 'Review it.']],
    ['claude with the user’s flags', 'claude --model opus', ['claude', '-p', '--settings', '/s.json', '--model', 'opus', 'Review it.']],
    ['codex exec', 'codex', ['codex', 'exec', '--skip-git-repo-check', '--sandbox', 'danger-full-access', 'Review it.']],
    ['gemini -p', 'gemini', ['gemini', '--approval-mode', 'yolo', '--prompt', 'Review it.']],
    ['shell: the human reviews', 'shell', undefined],
    ['a command line, the prompt appended', 'my-reviewer --strict', ['my-reviewer', '--strict', 'Review it.']],
    ['a command line with {promptFile}', 'my-reviewer -f {promptFile}', ['my-reviewer', '-f', '/run/prompt.md']],
  ])('%s', (_, agent, expected) => {
    expect(buildReviewerArgv(agent, prompt, { claudeSettings: '/s.json' })).toEqual(expected);
  });

  it('sends the findings, most severe first, with where and what', () => {
    const message = formatFindingsMessage({
      ...v('changes', 'abcdef1234567', 'agent', [
        { file: 'b.ts', severity: 'nit', text: 'naming' },
        { file: 'a.ts', line: 9, severity: 'blocker', text: 'crashes on empty input\nsecond line' },
      ]),
      round: 2,
      summary: 'Two things.',
    });
    expect(message.split('\n')).toEqual([
      'Review round 2 of your commit abcdef123 asks for changes:',
      '- a.ts:9 [blocker] crashes on empty input',
      '- b.ts [nit] naming',
      'Two things.',
      'Fix these in your own files, commit, then end your turn.',
    ]);
  });
});
