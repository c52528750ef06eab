import { describe, expect, it } from 'vitest';
import { findCollisions, judgeChange, mergeChanges } from '../../src/core/changes.js';
import { createOwnership } from '../../src/core/ownership.js';

describe('judgeChange', () => {
  const ownership = createOwnership(
    [
      { name: 'a', owns: ['src/a/**'] },
      { name: 'b', owns: ['src/b/**'] },
    ],
    ['shared.json'],
  );
  it.each([
    ['src/a/x.ts', undefined],
    ['shared.json', undefined],
    ['.git/index', undefined],
    // Not skipped by name: only git's ignore rules (applied before judging) exempt it.
    ['node_modules/p/i.js', { session: 'a', path: 'node_modules/p/i.js', kind: 'outside', change: 'add' }],
    ['src/b/node_modules/evil.js', { session: 'a', path: 'src/b/node_modules/evil.js', kind: 'trespass', owner: 'b', change: 'add' }],
    ['src/b/x.ts', { session: 'a', path: 'src/b/x.ts', kind: 'trespass', owner: 'b', change: 'add' }],
    ['README.md', { session: 'a', path: 'README.md', kind: 'outside', change: 'add' }],
  ])('%s', (path, expected) => {
    expect(judgeChange(ownership, 'a', { path, change: 'add' })).toEqual(expected);
  });
});

describe('mergeChanges', () => {
  it('keeps one entry per path, the working tree winning, against base', () => {
    expect(
      mergeChanges(
        [
          { path: 'b.ts', change: 'add' },
          { path: 'a.ts', change: 'change' },
          { path: 'gone.ts', change: 'add' },
        ],
        [
          { path: 'b.ts', change: 'change' },
          { path: 'a.ts', change: 'unlink' },
          { path: 'gone.ts', change: 'unlink' },
          { path: '.git/x', change: 'add' },
        ],
      ),
    ).toEqual([
      { path: 'a.ts', change: 'unlink' },
      { path: 'b.ts', change: 'add' },
    ]);
  });
});

describe('findCollisions', () => {
  it('lists paths changed by two or more sessions, sessions in config order', () => {
    const changed = new Map([
      ['b', ['x', 'y']],
      ['a', ['y', 'z']],
      ['c', ['y', 'x']],
    ]);
    expect(findCollisions(changed, ['a', 'b', 'c'])).toEqual([
      { path: 'x', sessions: ['b', 'c'] },
      { path: 'y', sessions: ['a', 'b', 'c'] },
    ]);
  });
});
