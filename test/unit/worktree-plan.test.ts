import { describe, expect, it } from 'vitest';
import { planWorktrees, type WorktreeFacts } from '../../src/core/worktree-plan.js';

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
    expect(planWorktrees(one, facts({ isOccupied: () => true }))).toMatchObject({
      ok: false,
      problems: [expect.stringContaining('not a worktree of this repository')],
    });
    expect(planWorktrees(one, facts({ worktrees: [{ path: '/w/auth', branch: 'feature', prunable: false }] }))).toMatchObject({
      ok: false,
      problems: [expect.stringContaining('branch feature')],
    });
    expect(planWorktrees(one, facts({ worktrees: [{ path: '/r', branch: 'parx/auth', prunable: false }] }))).toMatchObject({
      ok: false,
      problems: [expect.stringContaining('main worktree')],
    });
  });
});
