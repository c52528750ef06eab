import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import { createGlobIndex, GLOB_OPTIONS } from '../../src/core/glob-index.js';
import { createOwnership, isAlwaysIgnored, looksLikeTemporaryFile } from '../../src/core/ownership.js';
import { computeOwnershipPlan } from '../../src/core/plan.js';

const sessions = [
  { name: 'auth', owns: ['src/auth/**', 'test/auth/**'] },
  { name: 'payments', owns: ['src/payments/**', 'docs/payments.md'] },
  { name: 'web', owns: ['src/web/**/*.{ts,tsx}', '**/*.css'] },
];
const ownership = createOwnership(sessions, ['package-lock.json', 'src/shared/*.ts']);

describe('classify', () => {
  it.each([
    ['auth', 'src/auth/login.ts', { kind: 'owned' }],
    ['auth', 'src/auth/deep/er/x.ts', { kind: 'owned' }],
    ['auth', 'src/auth/.env.example', { kind: 'owned' }],
    ['auth', 'package-lock.json', { kind: 'shared' }],
    ['auth', 'src/shared/db.ts', { kind: 'shared' }],
    ['auth', 'src/shared/deep/db.ts', { kind: 'outside' }],
    ['auth', 'src/payments/charge.ts', { kind: 'trespass', owner: 'payments' }],
    ['auth', 'docs/payments.md', { kind: 'trespass', owner: 'payments' }],
    ['auth', 'src/web/pages/a.tsx', { kind: 'trespass', owner: 'web' }],
    ['auth', 'src/web/pages/a.js', { kind: 'outside' }],
    ['auth', 'styles/site.css', { kind: 'trespass', owner: 'web' }],
    ['web', 'src/auth/x.css', { kind: 'owned' }],
    ['auth', 'README.md', { kind: 'outside' }],
    ['auth', 'src/auth', { kind: 'outside' }],
    ['payments', 'docs/payments.md', { kind: 'owned' }],
    ['payments', 'docs/payments.md.bak', { kind: 'outside' }],
  ])('%s changing %s', (session, path, verdict) => {
    expect(ownership.classify(session, path)).toEqual(verdict);
  });

  it('lists every owner of an overlapping path in config order', () => {
    expect(ownership.ownersOf('src/auth/theme.css')).toEqual(['auth', 'web']);
  });

  it('never counts .git or node_modules', () => {
    expect(isAlwaysIgnored('.git/index')).toBe(true);
    expect(isAlwaysIgnored('.git')).toBe(true);
    expect(isAlwaysIgnored('packages/x/node_modules/y/index.js')).toBe(false);
    expect(isAlwaysIgnored('src/b/.git/config')).toBe(false);
    expect(isAlwaysIgnored('src/node_modules_helper.ts')).toBe(false);
    expect(isAlwaysIgnored('src/.github/x')).toBe(false);
  });
});

describe('createGlobIndex', () => {
  const globs = [
    'src/auth/**',
    'src/*/index.ts',
    '**/*.md',
    'lib/{a,b}/**',
    'exact/file.txt',
    '*.json',
    'src/**/test/*.spec.ts',
    'a?c/**',
    '[ab]x/*',
    'deep/a/b/**',
    '**',
    'x/**/y',
  ];
  const paths = [
    'src/auth/a.ts',
    'src/auth/.hidden/b',
    'src/web/index.ts',
    'src/web/deep/index.ts',
    'README.md',
    'docs/x/y.md',
    'lib/a/x.js',
    'lib/c/x.js',
    'exact/file.txt',
    'exact/file.txt2',
    'package.json',
    'sub/package.json',
    'src/x/test/a.spec.ts',
    'src/test/a.spec.ts',
    'abc/d',
    'ax/f',
    'cx/f',
    'deep/a/b/c',
    'deep/a/bc',
    'x/y',
    'x/1/2/y',
    '.env',
  ];

  it.each(globs)('agrees with plain minimatch for %s', (glob) => {
    const index = createGlobIndex([{ key: glob, globs: [glob] }]);
    for (const path of paths) {
      expect({ path, matched: index.match(path).length > 0 }).toEqual({ path, matched: minimatch(path, glob, GLOB_OPTIONS) });
    }
  });

  it('returns each key once, in entry order', () => {
    const index = createGlobIndex([
      { key: 'second', globs: ['**/*.ts'] },
      { key: 'first', globs: ['src/**', 'src/a.ts'] },
    ]);
    expect(index.match('src/a.ts')).toEqual(['second', 'first']);
    expect(index.match('other.txt')).toEqual([]);
  });
});

describe('computeOwnershipPlan', () => {
  it('counts owned, shared and unowned files and lists overlaps and unmatched globs', () => {
    const files = ['src/auth/a.ts', 'src/auth/b.css', 'src/payments/p.ts', 'package-lock.json', 'README.md', 'docs/x.txt'];
    const plan = computeOwnershipPlan(files, sessions, ['package-lock.json']);
    expect(plan.files).toBe(6);
    expect(plan.sessions.map((s) => [s.name, s.files, s.unmatchedGlobs])).toEqual([
      ['auth', 2, ['test/auth/**']],
      ['payments', 1, ['docs/payments.md']],
      ['web', 1, ['src/web/**/*.{ts,tsx}']],
    ]);
    expect(plan.overlaps).toEqual([{ path: 'src/auth/b.css', sessions: ['auth', 'web'] }]);
    expect(plan.shared).toBe(1);
    expect(plan.unowned).toBe(2);
  });
});

describe('looksLikeTemporaryFile: what the guard waits a moment for before calling it a violation', () => {
  it.each([
    ['sedAb12Cd', true],
    ['docs/sedXYZ123', true],
    ['src/4913', true],
    ['src/.x.ts.swp', true],
    ['src/x.ts.tmp', true],
    ['src/x.ts~', true],
    ['src/.#x.ts', true],
    ['sed', false],
    ['sedimentary.ts', false],
    ['src/x.ts', false],
    ['tmp/x.ts', false],
  ])('%s → %s', (path, expected) => {
    expect(looksLikeTemporaryFile(path)).toBe(expected);
  });
});
