import { describe, expect, it } from 'vitest';
import {
  getGlobPrefix,
  getGrantedPaths,
  getLiteralIgnoredFolders,
  isExactPrefix,
  openFilesByFolder,
  planSandboxMounts,
  toBwrapArgs,
  toSeatbeltProfile,
  type SandboxFacts,
} from '../../src/core/sandbox-plan.js';
import { planLiveClose, planLiveOpen } from '../../src/core/sandbox-live-plan.js';

const facts = (over: Partial<SandboxFacts> = {}): SandboxFacts => ({
  worktree: '/tmp/r.parx/a',
  open: [{ path: 'src', why: 'owned (src/**/*.ts)' }],
  close: [
    { path: '.git', why: 'link' },
    { path: 'src/b', why: 'owned by b' },
  ],
  writableOutside: [
    { path: '/tmp', why: 'temp' },
    { path: '/home/u/.claude', why: 'agent' },
  ],
  protect: [
    { path: '/tmp/r', why: 'main' },
    { path: '/tmp/r.parx', why: 'worktrees' },
    { path: '/tmp/r/.git', why: 'git' },
  ],
  gitWritable: [
    { path: '/tmp/r/.git/worktrees/a', why: 'admin' },
    { path: '/tmp/r/.git/objects', why: 'objects' },
  ],
  gitReadOnly: [{ path: '/tmp/r/.git/worktrees/a/commondir', why: 'redirect' }],
  hide: [{ path: '/tmp/tmux-0', why: 'tmux' }],
  ...over,
});

describe('glob prefixes: the folder a sandbox opens for an owned glob', () => {
  it.each([
    ['src/auth/**', 'src/auth', true],
    ['src/auth/**/*', 'src/auth', true],
    ['./src/auth/**', 'src/auth', true],
    ['src/**/*.test.ts', 'src', false],
    ['*.md', '', false],
    ['**', '', true],
    ['package.json', 'package.json', true],
    ['docs/', 'docs', true],
    ['src/{a,b}/**', 'src', false],
    ['src/[ab]/x.ts', 'src', false],
  ])('%s → "%s" (exact: %s)', (glob, prefix, exact) => {
    expect(getGlobPrefix(glob)).toBe(prefix);
    expect(isExactPrefix(glob)).toBe(exact);
  });
});

describe('literal build folders in ignore rules', () => {
  it.each([
    [
      ['node_modules/', '/dist', 'coverage'],
      [
        { path: 'node_modules', folder: true },
        { path: 'dist', folder: true },
        { path: 'coverage', folder: true },
      ],
    ],
    [['# comment', '', '!keep/', '*.log', 'build-*/', 'a\\ b'], []],
    [
      ['.env', 'secrets.txt', 'out/'],
      [
        { path: '.env', folder: false },
        { path: 'secrets.txt', folder: false },
        { path: 'out', folder: true },
      ],
    ],
    [['packages/web/dist/', '../up/', '.git/', './x/'], [{ path: 'packages/web/dist', folder: true }]],
    [['  trailing-space-is-trimmed/  '], []],
  ])('%j', (lines, expected) => {
    expect(getLiteralIgnoredFolders(lines)).toEqual(expected);
  });
});

describe('sandbox mounts: deeper paths win, closing wins a tie, hidden paths last', () => {
  it('keeps a repository under a writable /tmp read-only, except what the session may change', () => {
    const mounts = planSandboxMounts(facts()).map((m) => `${m.kind} ${m.path}`);
    expect(mounts).toEqual([
      'rw /tmp',
      'ro /tmp/r',
      'ro /tmp/r.parx',
      'rw /home/u/.claude',
      'ro /tmp/r/.git',
      'rw /tmp/r.parx/a/src',
      'rw /tmp/r/.git/objects',
      'ro /tmp/r.parx/a/.git',
      'rw /tmp/r/.git/worktrees/a',
      'ro /tmp/r.parx/a/src/b',
      'ro /tmp/r/.git/worktrees/a/commondir',
      'hide /tmp/tmux-0',
    ]);
  });

  it.each([
    ['a path both opened and closed stays closed', { open: [{ path: 'src', why: 'x' }], close: [{ path: 'src', why: 'y' }] }, 'ro /tmp/r.parx/a/src'],
    ['the worktree root opened (owns **) is one mount', { open: [{ path: '', why: 'owned (**)' }], close: [] }, 'rw /tmp/r.parx/a'],
  ])('%s', (_, over, expected) => {
    const mounts = planSandboxMounts(facts(over)).map((m) => `${m.kind} ${m.path}`);
    expect(mounts).toContain(expected);
    expect(new Set(mounts.map((m) => m.split(' ')[1])).size).toBe(mounts.length);
  });

  it('turns into bubblewrap options: read-only root, no capabilities, own process namespace', () => {
    const args = toBwrapArgs(planSandboxMounts(facts({ hide: [{ path: '/tmp/s.sock', why: 'tmux', file: true }] })));
    expect(args.slice(0, 8)).toEqual(['--ro-bind', '/', '/', '--dev-bind', '/dev', '/dev', '--proc', '/proc']);
    expect(args.join(' ')).toContain(
      '--bind /tmp/r.parx/a/src /tmp/r.parx/a/src --bind /tmp/r/.git/objects /tmp/r/.git/objects --ro-bind /tmp/r.parx/a/.git /tmp/r.parx/a/.git',
    );
    expect(args.join(' ')).toContain('--ro-bind /dev/null /tmp/s.sock');
    expect(args.slice(-4)).toEqual(['--unshare-pid', '--die-with-parent', '--cap-drop', 'ALL']);
  });

  it('writes the same set as a macOS sandbox-exec profile, last rule winning, paths quoted', () => {
    const profile = toSeatbeltProfile(planSandboxMounts(facts({ writableOutside: [{ path: '/Users/u/my "repo"', why: 'x' }] })));
    const lines = profile.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['(version 1)', '(allow default)', '(deny file-write*)']);
    expect(lines).toContain('(allow file-write* (subpath "/Users/u/my \\"repo\\""))');
    expect(lines.indexOf('(allow file-write* (subpath "/tmp/r.parx/a/src"))')).toBeLessThan(
      lines.indexOf('(deny file-write* (subpath "/tmp/r.parx/a/src/b"))'),
    );
    expect(lines.indexOf('(deny file-write* (subpath "/tmp/r"))')).toBeLessThan(lines.indexOf('(allow file-write* (subpath "/tmp/r.parx/a/src"))'));
    expect(lines).toContain('(deny network-outbound (remote unix-socket (subpath "/tmp/tmux-0")))');
    expect(lines.at(-1)).toMatch(/^\(allow file-write\* \(regex #"\^\/dev\//);
  });
});

describe('grants in a sandbox: the latest grant covering a path decides', () => {
  const g = (path: string, to: string) => ({ path, to });
  it.each([
    ['no grants', 'auth', [], [], []],
    ['a file granted here', 'auth', [g('src/pay/a.ts', 'auth')], ['src/pay/a.ts'], []],
    ['a file granted away', 'pay', [g('src/pay/a.ts', 'auth')], [], ['src/pay/a.ts']],
    ['granted here, then back', 'auth', [g('src/pay/a.ts', 'auth'), g('src/pay/a.ts', 'pay')], [], ['src/pay/a.ts']],
    ['a file, then its folder to another', 'auth', [g('src/pay/a.ts', 'auth'), g('src/pay', 'web')], [], ['src/pay/a.ts', 'src/pay']],
    ['a folder, then a file in it back', 'auth', [g('src/pay', 'auth'), g('src/pay/a.ts', 'pay')], ['src/pay'], ['src/pay/a.ts']],
    ['a path that only looks inside', 'auth', [g('src/pay', 'auth'), g('src/payments/a.ts', 'pay')], ['src/pay'], ['src/payments/a.ts']],
  ])('%s', (_, session, grants, open, close) => {
    expect(getGrantedPaths(session, grants)).toEqual({ open, close });
  });
});

describe('a file opens as its folder, the folder’s other entries closed (agents save by rename)', () => {
  const tree: Record<string, string[]> = { '': ['.git', 'README.md', 'package.json', 'src'], src: ['auth', 'pay', 'index.ts'], 'src/pay': ['a.ts', 'b.ts'] };
  const entriesOf = (folder: string) => tree[folder] ?? [];
  const o = (path: string, file: boolean) => ({ path, why: 'w', file });
  const paths = (list: Array<{ path: string }>) => list.map((e) => e.path);
  it.each([
    ['folders only: nothing changes', [o('src/auth', false)], ['src/auth'], []],
    ['a file in a folder', [o('src/pay/a.ts', true)], ['src/pay'], ['src/pay/b.ts']],
    ['two files in one folder', [o('src/pay/a.ts', true), o('src/pay/b.ts', true)], ['src/pay'], []],
    ['a file inside an opened folder needs nothing', [o('src', false), o('src/pay/a.ts', true)], ['src'], []],
    ['a root file: the root, its own folders stay open', [o('package.json', true), o('src', false)], ['src', ''], ['.git', 'README.md']],
    ['nested files', [o('src/index.ts', true), o('src/pay/a.ts', true)], ['src', 'src/pay'], ['src/auth', 'src/pay/b.ts']],
  ])('%s', (_, entries, open, close) => {
    const result = openFilesByFolder(entries, entriesOf);
    expect(paths(result.open)).toEqual(open);
    expect(paths(result.close)).toEqual(close);
  });
});

describe('a grant in a running sandbox: the steps', () => {
  const F = (exists: boolean, folder: boolean, writable: boolean, mountRoot = false) => ({ exists, folder, writable, mountRoot });
  const none = F(false, false, false);
  it.each([
    ['a folder already writable: nothing', 'src/pay', { path: F(true, true, true), folder: F(true, true, false), siblings: [], closures: [] }, []],
    [
      'a folder: what stays closed inside is pinned first, then it opens',
      'src',
      { path: F(true, true, false, true), folder: F(true, true, false), siblings: [], closures: ['src/b', 'other/x'] },
      ['pin:src/b', 'flip-rw:src'],
    ],
    [
      'a file in a writable folder: only its own pins come off (a save by rename then works)',
      'package.json',
      { path: F(true, false, false, true), folder: F(true, true, true, true), siblings: ['package.json', 'src'], closures: [] },
      ['unpin:package.json'],
    ],
    [
      'a file in a read-only folder: the others pinned, the folder opened, the file unpinned',
      'src/pay/a.ts',
      { path: F(true, false, false), folder: F(true, true, false), siblings: ['a.ts', 'b.ts'], closures: [] },
      ['pin:src/pay/b.ts', 'flip-rw:src/pay', 'unpin:src/pay/a.ts'],
    ],
    ['a new file in a writable folder: nothing', 'src/pay/n.ts', { path: none, folder: F(true, true, true), siblings: ['a.ts'], closures: [] }, []],
    [
      'a new file in a read-only folder',
      'src/pay/n.ts',
      { path: none, folder: F(true, true, false), siblings: ['a.ts'], closures: [] },
      ['pin:src/pay/a.ts', 'flip-rw:src/pay'],
    ],
    ['a new file in a new folder', 'src/new/n.ts', { path: none, folder: none, siblings: [], closures: [] }, ['mkdir:src/new', 'flip-rw:src/new']],
    [
      'a file at the top of the worktree',
      'README.md',
      { path: F(true, false, false), folder: F(true, true, false, true), siblings: ['README.md', 'src'], closures: [] },
      ['pin:src', 'flip-rw:', 'unpin:README.md'],
    ],
  ] as const)('%s', (_, path, facts, steps) => {
    expect(planLiveOpen(path, facts).map((s) => `${s.op}:${s.path}`)).toEqual(steps);
  });

  it.each([
    ['a writable path closes (in place where it is a mount of its own)', F(true, true, true, true), ['flip-ro:src/b']],
    ['a path that is read-only already: nothing', F(true, true, false), []],
    ['a path that is not there: nothing (the hooks and the guard keep it from being made)', none, []],
  ] as const)('away: %s', (_, facts, steps) => {
    expect(planLiveClose('src/b', facts).map((s) => `${s.op}:${s.path}`)).toEqual(steps);
  });
});
