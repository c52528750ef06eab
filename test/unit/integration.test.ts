import { describe, expect, it } from 'vitest';
import { findFirstFailing } from '../../src/core/bisect.js';
import {
  describeVerdict,
  findFilesNamed,
  getFailureExcerpt,
  getNewFindings,
  getStaleness,
  getTipsKey,
  parseInterval,
  type IntegrationRecord,
  type Verdict,
} from '../../src/core/integration.js';

describe('findFirstFailing', () => {
  // Steps 1..n; the first failing one is `first`; step 0 passes and step n fails by assumption.
  it.each([
    [8, 1],
    [8, 2],
    [8, 5],
    [8, 8],
    [3, 2],
    [2, 1],
    [1, 1],
    [5, 4],
    [16, 11],
  ])('of %i steps finds %i in at most ⌈log2 n⌉ checks, never checking the known ends', async (n, first) => {
    const checked: number[] = [];
    const found = await findFirstFailing(0, n, (k) => {
      checked.push(k);
      return Promise.resolve(k >= first);
    });
    expect(found).toBe(first);
    expect(checked.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
    expect(checked).not.toContain(0);
    expect(checked).not.toContain(n);
  });
});

const record = (sessions: Record<string, Verdict>, tips: Record<string, string>, baseTip = 'b1'): IntegrationRecord => ({
  time: '2026-11-23T10:00:00.000Z',
  base: 'main',
  baseTip,
  tips,
  uncommitted: {},
  order: Object.keys(sessions),
  verify: 'npm test',
  ok: false,
  sessions,
  breaking: null,
  conflicts: [],
  baseFails: null,
  verifyRuns: { find: 1, attribute: 0 },
  durationMs: 1,
});

describe('integration verdicts', () => {
  it.each<[Verdict, string]>([
    [{ kind: 'integrates' }, 'integrates'],
    [{ kind: 'breaks', step: 2, after: ['lib'], alone: false }, 'breaks verify at step 2 (after lib)'],
    [{ kind: 'breaks', step: 1, after: [], alone: true }, 'breaks verify at step 1 (on its own)'],
    [{ kind: 'breaks', step: 3, after: ['a', 'b'], alone: null }, 'breaks verify at step 3 (after a, b)'],
    [{ kind: 'conflicts', with: 'api', files: ['a.ts'] }, 'conflicts with api'],
    [{ kind: 'untested', because: 'it comes after app, which breaks verify' }, 'untested: it comes after app, which breaks verify'],
    [{ kind: 'nothing' }, 'nothing to integrate'],
  ])('%j reads "%s"', (verdict, text) => {
    expect(describeVerdict(verdict)).toBe(text);
  });

  const last = record({ app: { kind: 'breaks', step: 2, after: ['lib'], alone: false } }, { app: 't1' });
  it.each([
    ['app', 't1', 'b1', undefined],
    ['app', 't2', 'b1', 'tip moved since'],
    ['app', 't1', 'b2', 'base moved since'],
    ['docs', 't1', 'b1', 'not integrated yet'],
  ])('%s at tip %s on base %s: stale because %s', (session, tip, base, why) => {
    expect(getStaleness(last, session, tip, base)).toBe(why);
  });

  it.each<[string, Record<string, Verdict>, Record<string, string>, string[]]>([
    ['the same finding on the same tip', { app: { kind: 'breaks', step: 2, after: ['lib'], alone: false } }, { app: 't1' }, []],
    ['the same finding on a new tip', { app: { kind: 'breaks', step: 2, after: ['lib'], alone: false } }, { app: 't2' }, ['app']],
    ['a new partner', { app: { kind: 'breaks', step: 2, after: ['api'], alone: false } }, { app: 't1' }, ['app']],
    ['fixed', { app: { kind: 'integrates' } }, { app: 't2' }, []],
    [
      'a new conflict',
      { app: { kind: 'breaks', step: 2, after: ['lib'], alone: false }, web: { kind: 'conflicts', with: 'app', files: ['x'] } },
      { app: 't1', web: 'w1' },
      ['web'],
    ],
  ])('announces %s: %j', (_, sessions, tips, expected) => {
    expect(getNewFindings(last, record(sessions, tips)).map((f) => f.session)).toEqual(expected);
  });

  it('keys tips independently of their order', () => {
    expect(getTipsKey('b', { x: '1', a: '2' })).toBe(getTipsKey('b', { a: '2', x: '1' }));
    expect(getTipsKey('b', { a: '2' })).not.toBe(getTipsKey('c', { a: '2' }));
  });
});

describe('parseInterval', () => {
  it.each<[string | number, number | undefined]>([
    ['10m', 600_000],
    ['90s', 90_000],
    ['1h', 3_600_000],
    ['1.5m', 90_000],
    ['500ms', 500],
    [30, 30_000],
    ['45', 45_000],
    ['often', undefined],
    ['', undefined],
    ['-5m', undefined],
    ['0s', undefined],
    ['10 minutes', undefined],
  ])('%j is %j ms', (text, ms) => {
    expect(parseInterval(text)).toBe(ms);
  });
});

describe('what a failed verify names', () => {
  it.each<[string, string[], string[]]>([
    ['not ok 1 - /tmp/x/tree/src/app/main.test.mjs', ['src/app/main.test.mjs', 'src/app/main.mjs'], ['src/app/main.test.mjs']],
    ["src/app/main.ts(3,10): error TS2305: Module '../lib' has no export", ['src/app/main.ts'], ['src/app/main.ts']],
    ['FAIL src/app/main.tsx', ['src/app/main.ts'], []],
    ['FAIL xsrc/app/main.ts', ['src/app/main.ts'], []],
    ['at src/app/main.ts:3:1.', ['src/app/main.ts'], ['src/app/main.ts']],
    ['all good', ['a.ts'], []],
  ])('%j names %j of %j', (output, changed, expected) => {
    expect(findFilesNamed(output, changed)).toEqual(expected);
  });

  it.each<[string, string[]]>([
    ['one\ntwo\nthree', ['one', 'two', 'three']],
    ['ok 1\nnot ok 2 - app\n  detail\n# pass 1', ['not ok 2 - app', '  detail', '# pass 1']],
    ['building\nError: boom\n    at x', ['Error: boom', '    at x']],
  ])('excerpt of %j', (output, expected) => {
    expect(getFailureExcerpt(output)).toEqual(expected);
  });

  it('keeps the last lines when no line reports the failure', () => {
    const output = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
    expect(getFailureExcerpt(output)).toEqual(Array.from({ length: 15 }, (_, i) => `line ${25 + i}`));
  });
});
