import { describe, expect, it } from 'vitest';
import { judgeWrites, within, type HookPolicy } from '../../src/core/hook-policy.js';

describe('judgeWrites', () => {
  const policy: HookPolicy = {
    version: 2,
    root: '/repo',
    commonDir: '/repo/.git',
    excludesFile: '/home/me/.config/git/ignore',
    gitSources: ['/home/me/.config/git/ignore', '/home/me/.gitconfig'],
    shared: ['package-lock.json'],
    sessions: [
      { name: 'auth', owns: ['src/auth/**'], worktree: '/repo.parx/auth' },
      { name: 'payments', owns: ['src/payments/**'], worktree: '/repo.parx/payments' },
    ],
  };
  const judge = (paths: string[], ignored = (_: string) => false) => judgeWrites(policy, 'auth', paths, ignored);

  it('allows owned, shared and git-ignored paths, and paths outside the repository', () => {
    expect(judge(['/repo.parx/auth/src/auth/login.ts', '/repo.parx/auth/package-lock.json', '/tmp/scratch.txt'])).toEqual({ allow: true, owned: false });
    expect(judge(['/repo.parx/auth/dist/out.js'], (p) => p.startsWith('dist/'))).toEqual({ allow: true, owned: false });
  });

  // `owned` is what approve: owned may vouch for: the session's own files and shared ones only.
  it.each<[string, string[], boolean]>([
    ['an owned file', ['/repo.parx/auth/src/auth/login.ts'], true],
    ['a shared file', ['/repo.parx/auth/package-lock.json'], true],
    ['owned and shared together', ['/repo.parx/auth/src/auth/a.ts', '/repo.parx/auth/package-lock.json'], true],
    ['a path outside the repository', ['/tmp/scratch.txt'], false],
    ['an owned file and one outside', ['/repo.parx/auth/src/auth/a.ts', '/tmp/x'], false],
    ['no target', [], false],
  ])('vouches for %s: %s', (_, targets, owned) => {
    expect(judge(targets)).toEqual({ allow: true, owned });
  });

  it('vouches for an ignored build file only as allowed, not owned', () => {
    expect(judge(['/repo.parx/auth/dist/out.js'], (p) => p.startsWith('dist/'))).toEqual({ allow: true, owned: false });
  });

  it("follows grants: a granted path is the grantee's, and no longer its old owner's", () => {
    const granted = { ...policy, grants: [{ path: 'src/payments/charge.ts', to: 'auth' }] };
    expect(judgeWrites(granted, 'auth', ['/repo.parx/auth/src/payments/charge.ts'], () => false)).toEqual({ allow: true, owned: true });
    expect(judgeWrites(granted, 'payments', ['/repo.parx/payments/src/payments/charge.ts'], () => false)).toMatchObject({ allow: false, owner: 'auth' });
    expect(judgeWrites(granted, 'auth', ['/repo.parx/auth/src/payments/refund.ts'], () => false)).toMatchObject({ allow: false, owner: 'payments' });
  });

  it('denies a trespass naming the owner and telling the agent to stop and report', () => {
    const decision = judge(['/repo.parx/auth/src/auth/ok.ts', '/repo.parx/auth/src/payments/charge.ts']);
    expect(decision).toMatchObject({ allow: false, path: 'src/payments/charge.ts', owner: 'payments' });
    const reason = (decision as { reason: string }).reason;
    expect(reason).toContain('belongs to session "payments"');
    expect(reason).toContain('owns only src/auth/**');
    expect(reason).toMatch(/stop and report/);
  });

  it.each([
    ['no session owns it', '/repo.parx/auth/README.md', 'README.md', 'no session owns it'],
    ['another worktree', '/repo.parx/payments/src/payments/x.ts', '/repo.parx/payments/src/payments/x.ts', 'worktree of session "payments"'],
    ['the main checkout', '/repo/src/auth/login.ts', '/repo/src/auth/login.ts', 'main checkout'],
    // `..notes.md` is a file name, not a way out: it is in the worktree, and nobody owns it.
    ['a name starting with ..', '/repo.parx/auth/..notes.md', '..notes.md', 'no session owns it'],
    ['the worktree’s .git link', '/repo.parx/auth/.git', '/repo.parx/auth/.git', "git's own data"],
    ['a nested .git anywhere', '/repo.parx/auth/src/auth/.git/config', '/repo.parx/auth/src/auth/.git/config', "git's own data"],
    ['the common dir', '/repo/.git/parx/hooks/policy.json', '/repo/.git/parx/hooks/policy.json', "git's own data"],
    ['git’s user-wide ignore file', '/home/me/.config/git/ignore', '/home/me/.config/git/ignore', 'configures git'],
    ['git’s user config', '/home/me/.gitconfig', '/home/me/.gitconfig', 'configures git'],
    // Only ignore rules exempt a dependency folder, not its name.
    [
      'a node_modules folder in another session’s area',
      '/repo.parx/auth/src/payments/node_modules/evil.js',
      'src/payments/node_modules/evil.js',
      'belongs to session "payments"',
    ],
  ])('denies %s', (_, target, path, reason) => {
    const decision = judge([target]);
    expect(decision).toMatchObject({ allow: false, path });
    expect((decision as { reason: string }).reason).toContain(reason);
  });

  it('never lets ignore rules open .git', () => {
    expect(judge(['/repo.parx/auth/.git/hooks/pre-commit'], () => true)).toMatchObject({ allow: false });
  });
});

describe('within', () => {
  it.each([
    ['/w', '/w', ''],
    ['/w', '/w/a/b.ts', 'a/b.ts'],
    ['/w', '/w/..notes.md', '..notes.md'],
    ['/w', '/w/...', '...'],
    ['/w', '/w/../x', undefined],
    ['/w', '/x/w', undefined],
    ['/w', '/wx/a', undefined],
  ])('%s contains %s → %j', (dir, path, expected) => {
    expect(within(dir, path)).toBe(expected);
  });
});
