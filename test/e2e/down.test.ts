import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDownFixture, type DownFixture, readEvents } from '../helpers/fixture.js';
import { runParx } from '../helpers/parx.js';

/** auth ← api ← web (each merges after the one before), docs on its own, shared/ for all. */
function chain(extra: Record<string, unknown> = {}): DownFixture {
  const fx = createDownFixture(
    {
      web: { owns: ['src/web/**'], after: ['api'] },
      auth: { owns: ['src/auth/**'] },
      api: { owns: ['src/api/**'], after: ['auth'] },
      docs: { owns: ['docs/**'] },
    },
    { shared: ['src/shared/**'], ...extra },
  );
  for (const s of ['web', 'auth', 'api', 'docs']) fx.start(s);
  return fx;
}

const merges = (fx: DownFixture) =>
  fx
    .mainLog()
    .filter((s) => s.startsWith('parx: merge '))
    .reverse();
const exists = (path: string) => existsSync(path);

describe('parx down', () => {
  it('merges every branch with a merge commit in dependency order, runs verify with each session’s environment, and cleans up', async () => {
    const fx = chain({
      verify:
        'echo "verify $PARX_SESSION $PARX_BRANCH $PARX_PORT $COMPOSE_PROJECT_NAME ${CLAUDECODE-no-marker} $PARX_ROOT"; echo "$PARX_SESSION" >> "$VERIFY_LOG"',
      ports: { base: 5000, step: 10 },
    });
    fx.commitIn('web', { 'src/web/app.ts': 'web\n' });
    fx.commitIn('auth', { 'src/auth/login.ts': 'login\n' });
    fx.commitIn('auth', { 'src/auth/logout.ts': 'logout\n' }, 'second auth commit');
    fx.commitIn('api', { 'src/api/routes.ts': 'routes\n' });
    fx.commitIn('docs', { 'docs/guide.md': 'guide\n' });
    const tips = Object.fromEntries(['web', 'auth', 'api', 'docs'].map((s) => [s, fx.git('rev-parse', `parx/${s}`).trim()]));
    const log = join(fx.parent, 'verify.log');

    const result = await runParx(['down'], fx.root, { VERIFY_LOG: log, CLAUDECODE: '1' });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('in this order: auth → docs → api → web');
    // verify gets the session's environment (api is the third session: port 5020), minus agent markers.
    expect(result.stdout).toContain(`[api] verify api parx/api 5020 repo-api no-marker ${fx.git('rev-parse', '--show-toplevel').trim()}`);
    expect(readFileSync(log, 'utf8')).toBe('auth\ndocs\napi\nweb\n');

    expect(merges(fx)).toEqual(['parx: merge auth', 'parx: merge docs', 'parx: merge api', 'parx: merge web']);
    for (const s of ['web', 'auth', 'api', 'docs']) {
      const merge = fx.git('log', '--format=%H %P', '--grep', `^parx: merge ${s}$`, 'main').trim().split(' ');
      expect(merge.slice(1), `${s}: a two-parent merge of its branch tip`).toHaveLength(2);
      expect(merge[2]).toBe(tips[s]);
      expect(exists(fx.worktree(s))).toBe(false);
      expect(fx.refs(`refs/heads/parx/${s}`)).toEqual([]);
      expect(fx.git('rev-parse', `refs/parx/backup/${s}/1`).trim()).toBe(tips[s]);
    }
    expect(fx.read('src/auth/logout.ts')).toBe('logout\n');
    expect(fx.git('status', '--porcelain')).toBe('');
    expect(JSON.parse(readFileSync(join(fx.root, '.git/parx/state.json'), 'utf8')).sessions).toEqual({});
    const events = readEvents(fx.root);
    expect(events.filter((e) => e.type === 'merge').map((e) => e.session)).toEqual(['auth', 'docs', 'api', 'web']);
    expect(events.at(-1)).toMatchObject({ type: 'down', outcomes: { auth: 'merged', docs: 'merged', api: 'merged', web: 'merged' } });

    // Run again: nothing left to do, and it says so.
    const again = await fx.down();
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/auth\s+already merged/);
    expect(merges(fx)).toHaveLength(4);
  });

  it('--dry-run predicts each merge onto base as the earlier ones would leave it, and changes nothing', async () => {
    const fx = chain();
    fx.commitIn('auth', { 'src/shared/db.ts': 'export const db = "auth";\n' });
    fx.commitIn('api', { 'src/shared/db.ts': 'export const db = "api";\n' }); // clean alone, conflicts after auth
    fx.commitIn('docs', { 'docs/guide.md': 'guide\n' });
    fx.writeIn('docs', 'docs/draft.md', 'draft\n');
    const before = { refs: fx.git('for-each-ref'), worktrees: fx.git('worktree', 'list', '--porcelain'), status: fx.gitIn('docs', 'status', '--porcelain') };

    const result = await fx.down('--dry-run', '--commit-wip');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('Plan (dry run, nothing changes)');
    expect(result.stdout).toMatch(/✓ auth\s+would merge 1 commit\(s\)/);
    expect(result.stdout).toMatch(/✓ docs\s+would merge 1 commit\(s\) plus 1 uncommitted file\(s\) as "parx: wip docs"/);
    expect(result.stdout).toMatch(/✗ api\s+refused: would conflict with base in 1 file\(s\)\n\s+src\/shared\/db.ts/);
    expect(result.stdout).toMatch(/web\s+skipped: it merges after api, which did not land/);

    // --json: the same outcomes as data, and nothing else on stdout.
    const json = await fx.down('--dry-run', '--commit-wip', '--json');
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      base: 'main',
      dryRun: true,
      finished: false,
      sessions: [
        { name: 'auth', outcome: { kind: 'would-merge', commits: 1 } },
        { name: 'docs', outcome: { kind: 'would-merge', commits: 1, wip: 1 } },
        { name: 'api', outcome: { kind: 'refused', refusals: [{ kind: 'conflict', files: ['src/shared/db.ts'] }] } },
        { name: 'web', outcome: { kind: 'blocked', by: 'api' } },
      ],
      dependents: { candidates: [], synced: null, error: null },
    });

    expect(fx.git('for-each-ref')).toBe(before.refs);
    expect(fx.git('worktree', 'list', '--porcelain')).toBe(before.worktrees);
    expect(fx.gitIn('docs', 'status', '--porcelain')).toBe(before.status);
    expect(exists(join(fx.root, '.git/parx/state.json'))).toBe(false);
  });

  it('refuses a session that would conflict with base as it stands, skips what merges after it, and finishes once it is fixed', async () => {
    const fx = chain();
    fx.commitIn('auth', { 'src/shared/db.ts': 'export const db = "auth";\n' });
    fx.commitIn('api', { 'src/shared/db.ts': 'export const db = "api";\n' });
    fx.commitIn('web', { 'src/web/app.ts': 'web\n' });
    fx.commitIn('docs', { 'docs/guide.md': 'guide\n' });

    const first = await fx.down();
    expect(first.exitCode).toBe(1);
    expect(merges(fx)).toEqual(['parx: merge auth', 'parx: merge docs']);
    expect(first.stdout).toMatch(/✗ api\s+refused: would conflict with base in 1 file\(s\)/);
    expect(first.stdout).toContain('merge base into parx/api in its worktree and resolve the conflicts there');
    expect(first.stdout).toMatch(/✗ web\s+skipped: it merges after api/);
    for (const s of ['api', 'web']) expect(exists(fx.worktree(s)) && fx.refs(`refs/heads/parx/${s}`).length === 1).toBe(true);
    expect(exists(fx.worktree('auth'))).toBe(false);

    // The human resolves the conflict on the branch, as the message says.
    expect(() => fx.gitIn('api', 'merge', '-q', 'main')).toThrow();
    fx.writeIn('api', 'src/shared/db.ts', 'export const db = "auth+api";\n');
    fx.gitIn('api', 'commit', '-q', '-am', 'resolve');
    const second = await fx.down();
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/auth\s+already merged/);
    expect(merges(fx)).toEqual(['parx: merge auth', 'parx: merge docs', 'parx: merge api', 'parx: merge web']);
    expect(fx.read('src/shared/db.ts')).toBe('export const db = "auth+api";\n');
  });

  it('SESSION... limits the queue; a dependency left out must be in base already', async () => {
    const fx = chain();
    fx.commitIn('auth', { 'src/auth/login.ts': 'login\n' });
    fx.commitIn('api', { 'src/api/routes.ts': 'routes\n' });

    const refused = await fx.down('api');
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toMatch(/api\s+refused: it merges after auth, which is not in base yet/);
    expect(refused.stdout).toContain('include it: `parx down auth api`');
    expect(merges(fx)).toEqual([]);

    expect((await fx.down('auth')).exitCode).toBe(0);
    expect((await fx.down('api')).exitCode).toBe(0);
    expect(merges(fx)).toEqual(['parx: merge auth', 'parx: merge api']);
    expect(exists(fx.worktree('docs')) && exists(fx.worktree('web'))).toBe(true);
    expect((await fx.down('ghost')).exitCode).toBe(2);
  });

  it('--keep merges and removes nothing; a later run cleans up without merging twice', async () => {
    const fx = chain();
    fx.commitIn('auth', { 'src/auth/login.ts': 'login\n' });
    const kept = await fx.down('--keep', 'auth');
    expect(kept.exitCode).toBe(0);
    expect(merges(fx)).toEqual(['parx: merge auth']);
    expect(exists(fx.worktree('auth'))).toBe(true);
    expect(fx.refs('refs/heads/parx/auth')).toHaveLength(1);

    const later = await fx.down('auth');
    expect(later.exitCode).toBe(0);
    expect(later.stdout).toMatch(/auth\s+already merged\n\s+removed: worktree, branch/);
    expect(merges(fx)).toEqual(['parx: merge auth']);
    expect(exists(fx.worktree('auth'))).toBe(false);
  });

  it('refuses violations and uncommitted work, and takes them with --allow-violations and --commit-wip', async () => {
    const fx = chain();
    fx.commitIn('auth', { 'src/api/hijack.ts': 'not mine\n' });
    fx.writeIn('docs', 'docs/draft.md', 'draft\n');
    fx.writeIn('docs', 'README.md', 'edited\n');

    const refused = await fx.down('auth', 'docs');
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toMatch(/auth\s+refused: 1 change\(s\) outside its ownership\n\s+src\/api\/hijack.ts \(added; owned by api\)/);
    expect(refused.stdout).toMatch(/docs\s+refused: 2 uncommitted or untracked file\(s\) in its worktree; 1 change\(s\) outside its ownership/);
    expect(merges(fx)).toEqual([]);

    const taken = await fx.down('auth', 'docs', '--allow-violations', '--commit-wip');
    expect(taken.exitCode).toBe(0);
    expect(merges(fx)).toEqual(['parx: merge auth', 'parx: merge docs']);
    expect(fx.git('log', '--format=%s', '-1', 'main^2')).toBe('parx: wip docs\n');
    expect(fx.git('rev-parse', 'refs/parx/backup/docs/1')).toBe(fx.git('rev-parse', 'main^2')); // the tip with the WIP commit
    expect(fx.read('docs/draft.md')).toBe('draft\n');
  });

  it('refuses a worktree that has another branch checked out, or is mid-rebase', async () => {
    const fx = chain();
    fx.commitIn('auth', { 'src/auth/login.ts': 'login\n' });
    fx.gitIn('auth', 'switch', '-q', '-c', 'experiment');
    fx.commitIn('docs', { 'docs/a.md': 'a\n' });
    fx.commitIn('docs', { 'docs/a.md': 'b\n' });
    expect(() => fx.gitIn('docs', 'rebase', '-q', '--exec', 'false', 'HEAD~1')).toThrow(); // stops at the failing exec
    const result = await fx.down('auth', 'docs');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/auth\s+refused: its worktree has branch experiment checked out, not parx\/auth/);
    expect(result.stdout).toMatch(/docs\s+refused: .*its worktree is in the middle of a rebase/);
    expect(merges(fx)).toEqual([]);
  });

  it.each([
    ['another branch checked out', (fx: DownFixture) => fx.git('switch', '-q', '-c', 'other'), /has branch other checked out, not main/],
    ['a tracked file changed', (fx: DownFixture) => fx.write('README.md', 'changed\n'), /uncommitted changes to tracked files \(README.md\)/],
    ['a staged file', (fx: DownFixture) => (fx.write('new.txt', 'x\n'), fx.git('add', 'new.txt')), /uncommitted changes to tracked files \(new.txt\)/],
    ['a merge in progress', (fx: DownFixture) => writeFileSync(join(fx.root, '.git/MERGE_HEAD'), `${fx.git('rev-parse', 'HEAD')}`), /in the middle of a merge/],
  ])('changes nothing when the main worktree has %s (exit 1)', async (_, spoil, message) => {
    const fx = chain({ base: 'main' });
    fx.commitIn('auth', { 'src/auth/login.ts': 'login\n' });
    spoil(fx);
    const refs = fx.git('for-each-ref');
    const result = await fx.down();
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('nothing was changed');
    expect(fx.git('for-each-ref')).toBe(refs);
    expect(exists(fx.worktree('auth'))).toBe(true);
  });
});
