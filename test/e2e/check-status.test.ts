import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, type RunFixture } from '../helpers/fixture.js';
import { runParx } from '../helpers/parx.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';

afterEach(killTmuxServer);

const files = {
  'README.md': '# shop\nline two\n',
  '.gitignore': 'dist/\n',
  'src/auth/login.ts': 'export const login = 1;\n',
  'src/payments/charge.ts': 'export const charge = 1;\n',
};

async function startedRun(): Promise<RunFixture> {
  const run = createRunFixture(
    {
      auth: { owns: ['src/auth/**'], task: 'Wait.' },
      payments: { owns: ['src/payments/**'], task: 'Wait.', after: ['auth'] },
    },
    {},
    files,
  );
  expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
  return run;
}

function edit(run: RunFixture, session: string, path: string, text: string) {
  const file = join(run.worktree(session), path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });
const commit = (run: RunFixture, session: string, message: string) => {
  git(run.worktree(session), 'add', '-A');
  git(run.worktree(session), 'commit', '-q', '-m', message);
};

describe('parx check', () => {
  it('exits 0 when every change is owned, and 1 with each violation from commits, edits, untracked files, deletions and renames', async () => {
    const run = await startedRun();
    edit(run, 'auth', 'src/auth/login.ts', 'export const login = 2;\n');
    edit(run, 'auth', 'dist/out.js', 'ignored\n');
    const clean = await runParx(['check'], run.root);
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toMatch(/✓ auth\s+1 changed file\(s\), 0 violation\(s\)/);

    edit(run, 'auth', 'src/payments/charge.ts', 'hijacked\n');
    commit(run, 'auth', 'trespass');
    edit(run, 'auth', 'notes.md', 'untracked\n');
    rmSync(join(run.worktree('payments'), 'README.md'));
    renameSync(join(run.worktree('payments'), 'src/payments/charge.ts'), join(run.worktree('payments'), 'src/auth/charge.ts'));

    const result = await runParx(['check', '--json'], run.root);
    expect(result.exitCode).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json.ok).toBe(false);
    const bySession = Object.fromEntries(json.sessions.map((s: { name: string; violations: unknown[] }) => [s.name, s.violations]));
    expect(bySession.auth).toEqual([
      { path: 'notes.md', kind: 'outside', change: 'add' },
      { path: 'src/payments/charge.ts', kind: 'trespass', owner: 'payments', change: 'change' },
    ]);
    expect(bySession.payments).toEqual([
      { path: 'README.md', kind: 'outside', change: 'unlink' },
      { path: 'src/auth/charge.ts', kind: 'trespass', owner: 'auth', change: 'add' },
    ]);
    expect(json.sessions.find((s: { name: string }) => s.name === 'payments').changed).toContain('src/payments/charge.ts');
    expect(json.collisions).toEqual([{ path: 'src/payments/charge.ts', sessions: ['auth', 'payments'] }]);

    // From inside a session's worktree, and for named sessions only.
    const inside = await runParx(['check', 'payments', '--json'], run.worktree('auth'));
    expect(inside.exitCode).toBe(1);
    expect(JSON.parse(inside.stdout).sessions.map((s: { name: string }) => s.name)).toEqual(['payments']);
    expect((await runParx(['check', 'ghost'], run.root)).exitCode).toBe(2);
  });

  it("never writes a worktree's index, so it cannot block the agent's own git commands", async () => {
    const run = await startedRun();
    const index = git(run.worktree('auth'), 'rev-parse', '--git-path', 'index').trim();
    const indexFile = resolve(run.worktree('auth'), index);
    // Touch a tracked file: a plain `git status` would now refresh and rewrite the index.
    const file = join(run.worktree('auth'), 'src/auth/login.ts');
    utimesSync(file, new Date(Date.now() + 5000), new Date(Date.now() + 5000));
    const before = statSync(indexFile).mtimeMs;
    expect((await runParx(['check'], run.root)).exitCode).toBe(0);
    expect((await runParx(['status', '--json'], run.root)).exitCode).toBe(0);
    expect(statSync(indexFile).mtimeMs).toBe(before);
  });
});

describe('parx status', () => {
  it('reports panes, commits, changes, violations and merge predictions without touching anything', async () => {
    const run = await startedRun();
    edit(run, 'auth', 'README.md', '# shop by auth\nline two\n');
    edit(run, 'auth', 'src/auth/jwt.ts', 'jwt\n');
    commit(run, 'auth', 'auth work');
    edit(run, 'payments', 'README.md', '# shop by payments\nline two\n');
    commit(run, 'payments', 'payments work');
    // base moves on too, so payments no longer merges cleanly into it.
    run.write('src/payments/charge.ts', 'export const charge = 3;\n');
    edit(run, 'payments', 'src/payments/charge.ts', 'export const charge = 4;\n');
    commit(run, 'payments', 'charge');
    run.git('commit', '-qam', 'base moves');
    const refsBefore = run.git('for-each-ref');
    const statusBefore = ['auth', 'payments'].map((s) => git(run.worktree(s), 'status', '--porcelain'));

    const result = await runParx(['status', '--json'], run.root);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const status = JSON.parse(result.stdout);
    const state = run.state();
    expect(status).toMatchObject({ base: 'main', tmuxSession: 'parx-repo' });
    // `since` is when the agent last reported (the guard may have judged a quiet pane by now).
    for (const s of status.sessions) expect(s.since === null || typeof s.since === 'string').toBe(true);
    expect(status.sessions.map(({ since: _, ...s }: { since: unknown }) => s)).toEqual([
      {
        name: 'auth',
        branch: 'parx/auth',
        tip: run.git('rev-parse', 'parx/auth').trim(),
        worktree: run.worktree('auth'),
        pane: state.sessions.auth!.pane,
        alive: true,
        state: 'working',
        hooks: 'none',
        host: null,
        unreachable: null,
        sandbox: 'on',
        sandboxNotes: [],
        hookNotes: [],
        owns: ['src/auth/**'],
        granted: [],
        requests: { asked: 0, toAnswer: 0 },
        pendingMessages: 0,
        ahead: 1,
        changed: ['README.md', 'src/auth/jwt.ts'],
        violations: [{ path: 'README.md', kind: 'outside' }],
        collisions: [{ path: 'README.md', sessions: ['auth', 'payments'] }],
        mergeable: true,
        conflicts: [],
        integration: null,
        landed: null,
        abandoned: null,
        forYou: [],
        objectsProblem: null,
        review: null,
        needsHuman: null,
        recover: null,
        landing: null,
        usage: null,
        budget: null,
      },
      {
        name: 'payments',
        branch: 'parx/payments',
        tip: run.git('rev-parse', 'parx/payments').trim(),
        worktree: run.worktree('payments'),
        pane: state.sessions.payments!.pane,
        alive: true,
        state: 'working',
        hooks: 'none',
        host: null,
        unreachable: null,
        sandbox: 'on',
        sandboxNotes: [],
        hookNotes: [],
        owns: ['src/payments/**'],
        granted: [],
        requests: { asked: 0, toAnswer: 0 },
        pendingMessages: 0,
        ahead: 2,
        changed: ['README.md', 'src/payments/charge.ts'],
        violations: [{ path: 'README.md', kind: 'outside' }],
        collisions: [{ path: 'README.md', sessions: ['auth', 'payments'] }],
        mergeable: false,
        conflicts: ['src/payments/charge.ts'],
        integration: null,
        landed: null,
        abandoned: null,
        forYou: [],
        objectsProblem: null,
        review: null,
        needsHuman: null,
        recover: null,
        landing: null,
        usage: null,
        budget: null,
      },
    ]);
    expect(status.forecast).toEqual([{ sessions: ['auth', 'payments'], files: ['README.md'] }]);
    expect(status).toMatchObject({ requests: [], grants: [] });
    expect(run.git('for-each-ref')).toBe(refsBefore);
    expect(['auth', 'payments'].map((s) => git(run.worktree(s), 'status', '--porcelain'))).toEqual(statusBefore);

    // A pane whose agent is gone shows as exited.
    tmuxOut('kill-pane', '-t', state.sessions.auth!.pane);
    const after = JSON.parse((await runParx(['status', '--json'], run.root)).stdout);
    expect(after.sessions[0]).toMatchObject({ name: 'auth', pane: null, alive: false, state: 'exited' });
    const text = await runParx(['status'], run.root);
    expect(text.stdout).toContain('Conflict forecast (committed work, pairs in merge order):');
    expect(text.stdout).toContain('auth × payments: README.md');
    expect(text.stdout).toContain('Collisions (committed or not, the same file changed in two worktrees');
  });
});
