import { describe, expect, it } from 'vitest';
import { createDownFixture, createRunFixture } from '../helpers/fixture.js';
import { runCheck } from '../../src/ops/check.js';
import { runDown } from '../../src/ops/down/down.js';
import { planUp } from '../../src/ops/up/up.js';
import { loadProject } from '../../src/ops/common/project.js';
import { syncLoadedProject } from '../../src/ops/sync.js';

/**
 * The operations called in this process, as a library would, on real repositories: their typed
 * results, which the CLI tests see only as printed text or JSON. (The binary tests stay the
 * contract; these pin what the operations return, and run in milliseconds.)
 */
describe('operations in process', () => {
  it('runCheck: each session’s changes and violations, judged against ownership', async () => {
    const fx = createDownFixture({ auth: { owns: ['src/auth/**'] }, web: { owns: ['src/web/**'] } });
    fx.start('auth');
    fx.start('web');
    fx.commitIn('auth', { 'src/auth/login.ts': 'login\n' });
    fx.writeIn('web', 'src/auth/steal.ts', 'mine now\n');
    const result = await runCheck({ cwd: fx.root });
    expect(result.sessions.map((s) => [s.name, s.ahead, s.changed.map((c) => c.path), s.violations.map((v) => [v.path, v.kind, v.owner])])).toEqual([
      ['auth', 1, ['src/auth/login.ts'], []],
      ['web', 0, ['src/auth/steal.ts'], [['src/auth/steal.ts', 'trespass', 'auth']]],
    ]);
  });

  it('runDown: outcomes in dependency order, the cleanup of each, and the new base', async () => {
    const fx = apiAfterAuth();
    const dry = await runDown({ cwd: fx.root, dryRun: true });
    expect(dry.sessions.map((s) => [s.name, s.outcome])).toEqual([
      ['auth', { kind: 'would-merge', commits: 1, wip: 0 }],
      ['api', { kind: 'would-merge', commits: 1, wip: 0 }],
    ]);
    const result = await runDown({ cwd: fx.root });
    expect(result).toMatchObject({ ok: true, finished: true, base: 'main' });
    expect(result.sessions.map((s) => [s.name, s.outcome.kind, s.cleanup?.removed, s.cleanup?.backupRef])).toEqual([
      ['auth', 'merged', ['worktree', 'branch'], 'refs/parx/backup/auth/1'],
      ['api', 'merged', ['worktree', 'branch'], 'refs/parx/backup/api/1'],
    ]);
    const merged = result.sessions[1]!.outcome;
    expect(merged.kind === 'merged' && merged.commit).toBe(fx.git('rev-parse', 'main').trim());
  });

  it('planUp: the launch of each session, its final argv, before anything exists', async () => {
    const run = createRunFixture({ auth: { owns: ['src/auth/**'], task: 'Log in.' } }, { setup: 'npm ci' });
    const plan = await planUp({ cwd: run.root });
    expect(plan.hosted).toEqual([]);
    expect(plan.sessions).toHaveLength(1);
    const [auth] = plan.sessions;
    expect(auth).toMatchObject({ session: 'auth', setup: 'npm ci', port: 4100, action: { kind: 'create-branch', branch: 'parx/auth' } });
    expect(auth!.argv.at(-1)).toContain('Log in.');
    expect(run.git('for-each-ref', '--format=%(refname)', 'refs/heads/parx/')).toBe('');
  });

  it('sync decides from the state it reads under the run lock, not the copy read at load', async () => {
    const fx = apiAfterAuth();
    // Loaded before auth lands: this copy of the state says nothing has landed yet.
    const project = await loadProject({ cwd: fx.root });
    await runDown({ cwd: fx.root, sessions: ['auth'] });
    const result = await syncLoadedProject(project, []);
    expect(result.sessions.map((s) => [s.name, s.outcome.kind])).toEqual([['api', 'synced']]);
    expect(fx.git('merge-base', '--is-ancestor', 'main', 'parx/api')).toBe('');
  });
});

/** Sessions auth and api (which lands after auth), each with one commit. */
function apiAfterAuth() {
  const fx = createDownFixture({ api: { owns: ['src/api/**'], after: ['auth'] }, auth: { owns: ['src/auth/**'] } });
  fx.start('api');
  fx.start('auth');
  fx.commitIn('auth', { 'src/auth/login.ts': 'login\n' });
  fx.commitIn('api', { 'src/api/routes.ts': 'routes\n' });
  return fx;
}
