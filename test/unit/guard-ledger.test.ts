import { describe, expect, it } from 'vitest';
import type { Violation } from '../../src/core/changes.js';
import { GuardLedger } from '../../src/core/guard-ledger.js';

const trespass = (session: string, path: string, owner: string): Violation => ({ session, path, kind: 'trespass', owner, change: 'change' });

type Step = ['record', string, string, Violation?] | ['forget', string];

/** Each row: the steps, and what each step was news of (v: violation, c: collision sessions). */
const cases: Array<[string, Step[], string[]]> = [
  ['an owned change is no news', [['record', 'a', 'src/a/x.ts']], ['-']],
  [
    'a violation is news once per session and path',
    [
      ['record', 'a', 'src/b/x.ts', trespass('a', 'src/b/x.ts', 'b')],
      ['record', 'a', 'src/b/x.ts', trespass('a', 'src/b/x.ts', 'b')],
    ],
    ['v', '-'],
  ],
  [
    'the same path by another session is its own violation, and a collision',
    [
      ['record', 'a', 'README.md', trespass('a', 'README.md', 'c')],
      ['record', 'b', 'README.md', trespass('b', 'README.md', 'c')],
    ],
    ['v', 'v c:a,b'],
  ],
  [
    'a collision is news again only when it grows',
    [
      ['record', 'a', 'x'],
      ['record', 'b', 'x'],
      ['record', 'a', 'x'],
      ['record', 'c', 'x'],
    ],
    ['-', 'c:a,b', '-', 'c:a,b,c'],
  ],
  [
    'collisions name sessions in config order',
    [
      ['record', 'c', 'x'],
      ['record', 'a', 'x'],
    ],
    ['-', 'c:a,c'],
  ],
  [
    'a forgotten session ends its collisions: the next to join is news against those left',
    [
      ['record', 'a', 'x'],
      ['record', 'b', 'x'],
      ['forget', 'a'],
      ['record', 'c', 'x'],
    ],
    ['-', 'c:a,b', '-', 'c:b,c'],
  ],
  [
    'a collision that shrinks is news again when it grows back',
    [
      ['record', 'a', 'x'],
      ['record', 'b', 'x'],
      ['record', 'c', 'x'],
      ['forget', 'c'],
      ['record', 'c', 'x'],
    ],
    ['-', 'c:a,b', 'c:a,b,c', '-', 'c:a,b,c'],
  ],
  [
    'a session that comes back is news again',
    [
      ['record', 'a', 'src/b/x.ts', trespass('a', 'src/b/x.ts', 'b')],
      ['forget', 'a'],
      ['record', 'a', 'src/b/x.ts', trespass('a', 'src/b/x.ts', 'b')],
    ],
    ['v', '-', 'v'],
  ],
  [
    'an unknown session changes nothing',
    [
      ['record', 'zz', 'x'],
      ['record', 'a', 'x'],
    ],
    ['-', '-'],
  ],
];

describe('the guard ledger', () => {
  it.each(cases)('%s', (_, steps, expected) => {
    const ledger = new GuardLedger(['a', 'b', 'c']);
    const news = steps.map((step) => {
      if (step[0] === 'forget') {
        ledger.forget(step[1]);
        return '-';
      }
      const { violation, collision } = ledger.record(step[1], step[2], step[3]);
      return [violation && 'v', collision && `c:${collision.join(',')}`].filter(Boolean).join(' ') || '-';
    });
    expect(news).toEqual(expected);
  });

  it.each([
    [
      [
        ['a', 'p1'],
        ['a', 'p2'],
        ['a', 'p1'],
        ['b', 'p3'],
      ],
      { a: 2, b: 1, c: 0 },
      ['a', 'b'],
    ],
    [
      [
        ['c', 'p1'],
        ['a', 'p1'],
      ],
      { a: 1, b: 0, c: 1 },
      ['a', 'c'],
    ],
  ] as const)('counts violations per session: %j', (violations, counts, withViolations) => {
    const ledger = new GuardLedger(['a', 'b', 'c']);
    for (const [session, path] of violations) ledger.record(session, path, trespass(session, path, 'x'));
    expect({ a: ledger.violationCount('a'), b: ledger.violationCount('b'), c: ledger.violationCount('c') }).toEqual(counts);
    expect(ledger.sessionsWithViolations()).toEqual(withViolations);
    ledger.forget('a');
    expect(ledger.violationCount('a')).toBe(0);
  });
});
