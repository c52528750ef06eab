import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPrompt } from '../../src/core/prompt.js';
import { getSessionEnv, wrapWithEnv } from '../../src/core/session-env.js';
import { planWorktrees, type WorktreeFacts } from '../../src/core/worktree-plan.js';

const template = readFileSync(new URL('../../templates/prompt.md', import.meta.url), 'utf8');

describe('renderPrompt', () => {
  const text = renderPrompt(template, {
    session: 'auth',
    branch: 'parx/auth',
    base: 'main',
    worktree: '/w/auth',
    task: 'Implement JWT login. Leave {{owns}} alone.\n\n',
    owns: ['src/auth/**', 'test/auth/**'],
    shared: ['package-lock.json'],
    others: [{ name: 'payments', owns: ['src/payments/**'] }],
  });

  it('scopes the task: what it owns, what others own, what is shared, and the protocol', () => {
    expect(text).toContain('Implement JWT login.');
    expect(text).toContain('- `src/auth/**`\n- `test/auth/**`');
    expect(text).toContain('- payments: `src/payments/**`');
    expect(text).toContain('- `package-lock.json`');
    expect(text).toContain('Branch: parx/auth (forked from main)');
    expect(text).toMatch(/stop and report/);
    expect(text).toMatch(/[Cc]ommit/);
  });

  it.each([
    [true, 'This session runs in an OS sandbox', 'as parx-sandbox/auth/tip'],
    [false, undefined, undefined],
  ])('tells a sandboxed session (%s) why a write fails and where its branch is kept', (sandboxed, first, second) => {
    const rendered = renderPrompt(template, { session: 'auth', branch: 'parx/auth', base: 'main', worktree: '/w/auth', task: 't', owns: ['a/**'], shared: [], others: [], sandboxed });
    if (first && second) {
      expect(rendered).toContain(first);
      expect(rendered).toContain(second);
    } else {
      expect(rendered).not.toContain('sandbox');
      expect(rendered.endsWith('summarise what you changed.\n')).toBe(true);
    }
  });

  it('delivers the task as written, without expanding placeholders inside it', () => {
    expect(text).toContain('Leave {{owns}} alone.');
    expect(text.replace('Leave {{owns}} alone.', '')).not.toMatch(/\{\{\w+\}\}/);
  });
});

describe('session environment', () => {
  it('names the session, its branch, worktree, root, port and compose project', () => {
    const env = getSessionEnv({ session: 'auth', branch: 'parx/auth', worktree: '/w/auth', root: '/r', repoName: 'My.Repo', port: 4110, env: { X: '1' } });
    expect(env).toEqual({
      PARX_SESSION: 'auth',
      PARX_BRANCH: 'parx/auth',
      PARX_WORKTREE: '/w/auth',
      PARX_ROOT: '/r',
      PARX_PORT: '4110',
      COMPOSE_PROJECT_NAME: 'my-repo-auth',
      X: '1',
    });
  });

  it('wraps the agent with env, removing nested-agent markers', () => {
    expect(wrapWithEnv(['claude', 'hi'], { A: 'b c' })).toEqual(['env', '-u', 'CLAUDECODE', '-u', 'CLAUDE_CODE_ENTRYPOINT', '-u', 'CLAUDE_CODE_SSE_PORT', 'A=b c', 'claude', 'hi']);
  });
});

describe('planWorktrees', () => {
  const facts = (over: Partial<WorktreeFacts> = {}): WorktreeFacts => ({
    mainPath: '/r',
    worktrees: [{ path: '/r', branch: 'main', prunable: false }],
    branches: new Set(),
    isOccupied: () => false,
    ...over,
  });
  const one = [{ name: 'auth', path: '/w/auth' }];

  it('creates a branch and worktree when neither exists', () => {
    expect(planWorktrees(one, facts())).toEqual({ ok: true, actions: [{ kind: 'create-branch', session: 'auth', branch: 'parx/auth', path: '/w/auth' }] });
  });

  it('reuses an existing worktree untouched, even where the user moved it', () => {
    const at = facts({ worktrees: [{ path: '/w/auth', branch: 'parx/auth', prunable: false }] });
    expect(planWorktrees(one, at)).toMatchObject({ ok: true, actions: [{ kind: 'reuse', path: '/w/auth' }] });
    const moved = facts({ worktrees: [{ path: '/elsewhere', branch: 'parx/auth', prunable: false }], branches: new Set(['parx/auth']) });
    expect(planWorktrees(one, moved)).toMatchObject({ ok: true, actions: [{ kind: 'reuse', path: '/elsewhere' }] });
  });

  it('checks out an existing branch, pruning a stale registration first', () => {
    const stale = facts({ worktrees: [{ path: '/w/auth', branch: 'parx/auth', prunable: true }], branches: new Set(['parx/auth']) });
    expect(planWorktrees(one, stale)).toMatchObject({ ok: true, actions: [{ kind: 'add-existing-branch', forget: ['/w/auth'] }] });
  });

  it('refuses a foreign folder, a worktree on another branch, and the branch in the main worktree', () => {
    expect(planWorktrees(one, facts({ isOccupied: () => true }))).toMatchObject({ ok: false, problems: [expect.stringContaining('not a worktree of this repository')] });
    expect(planWorktrees(one, facts({ worktrees: [{ path: '/w/auth', branch: 'feature', prunable: false }] }))).toMatchObject({ ok: false, problems: [expect.stringContaining('branch feature')] });
    expect(planWorktrees(one, facts({ worktrees: [{ path: '/r', branch: 'parx/auth', prunable: false }] }))).toMatchObject({ ok: false, problems: [expect.stringContaining('main worktree')] });
  });
});
