import { describe, expect, it } from 'vitest';
import { getSessionEnv, wrapWithEnv } from '../../src/core/session-env.js';

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
    expect(wrapWithEnv(['claude', 'hi'], { A: 'b c' })).toEqual([
      'env',
      '-u',
      'CLAUDECODE',
      '-u',
      'CLAUDE_CODE_ENTRYPOINT',
      '-u',
      'CLAUDE_CODE_SSE_PORT',
      'A=b c',
      'claude',
      'hi',
    ]);
  });
});
