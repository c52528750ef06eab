import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitIgnoreRules } from '../../src/adapters/gitignore.js';
import { findCollisions, judgeChange, mergeChanges } from '../../src/core/changes.js';
import { createOwnership } from '../../src/core/ownership.js';

describe('judgeChange', () => {
  const ownership = createOwnership([{ name: 'a', owns: ['src/a/**'] }, { name: 'b', owns: ['src/b/**'] }], ['shared.json']);
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
        [{ path: 'b.ts', change: 'add' }, { path: 'a.ts', change: 'change' }, { path: 'gone.ts', change: 'add' }],
        [{ path: 'b.ts', change: 'change' }, { path: 'a.ts', change: 'unlink' }, { path: 'gone.ts', change: 'unlink' }, { path: '.git/x', change: 'add' }],
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

describe('GitIgnoreRules', () => {
  it('follows git: root and nested .gitignore, info/exclude, negation, directories', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parx-ignore-'));
    const common = join(dir, '.git');
    mkdirSync(join(common, 'info'), { recursive: true });
    writeFileSync(join(common, 'info', 'exclude'), 'secret.txt\n');
    writeFileSync(join(dir, '.gitignore'), '*.log\nbuild/\n!keep.log\n');
    mkdirSync(join(dir, 'pkg'));
    writeFileSync(join(dir, 'pkg', '.gitignore'), 'generated/\n!important.log\n');
    const rules = new GitIgnoreRules(common, join(dir, 'no-global-excludes'));
    rules.loadGitignore(dir, '');
    rules.loadGitignore(dir, 'pkg');
    const table: Array<[string, boolean, boolean]> = [
      ['debug.log', false, true],
      ['keep.log', false, false],
      ['src/deep/debug.log', false, true],
      ['build', true, true],
      ['src/build', true, true],
      ['build', false, false],
      ['secret.txt', false, true],
      ['pkg/generated', true, true],
      ['generated', true, false],
      ['pkg/important.log', false, false],
      ['pkg/other.log', false, true],
      ['src/index.ts', false, false],
    ];
    for (const [path, isDirectory, ignored] of table) expect({ path, isDirectory, ignored: rules.isIgnored(path, isDirectory) }).toEqual({ path, isDirectory, ignored });
  });
});
