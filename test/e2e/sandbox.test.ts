import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCRIPT_PLAIN } from '../../src/adapters/bwrap.js';
import { afterEach, describe, expect, it } from 'vitest';
import { skipSandboxSuite } from '../helpers/bwrap.js';
import { createRunFixture, installFakeAgents } from '../helpers/fixture.js';
import { killGuards, startGuard } from '../helpers/guard.js';
import { PARX_BIN, runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer } from '../helpers/tmux.js';

/**
 * The sandbox over a whole run with the real bubblewrap: what `up` says and records, `setup`
 * inside it, a sandboxed hook's denial reaching events.jsonl, and `down` leaving plain git
 * behind. (The isolation suite, isolation.test.ts, tries every way through it.)
 */

afterEach(async () => {
  killGuards();
  await killTmuxServer();
});

const sessions = {
  auth: { owns: ['src/auth/**'], task: 'EDIT src/auth/new.ts\nCOMMIT auth: new' },
  payments: { owns: ['src/payments/**'], task: 'Wait.' },
};
const NO_BWRAP = { PARX_BWRAP: '/nonexistent/bwrap' };

// Skipped (and listed as skipped) only off CI: CI installs bubblewrap and must run these.
describe.skipIf(skipSandboxSuite)('the sandbox over a run', () => {
  it('`on` refuses to start without bubblewrap, naming the package; `auto` starts unsandboxed and says so', async () => {
    const run = createRunFixture(sessions, { guard: { sandbox: 'on' } });
    const refused = await runParx(['up', '--detach'], run.root, NO_BWRAP);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('sandbox: on for auth, payments, but bubblewrap is not installed (apt install bubblewrap');
    expect(existsSync(run.worktree('auth'))).toBe(false);

    const config = JSON.parse(run.read('parx.config.json'));
    config.guard.sandbox = 'auto';
    run.write('parx.config.json', JSON.stringify(config));
    const up = await runParx(['up', '--detach'], run.root, NO_BWRAP);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/auth\s+sandbox off\s+bubblewrap is not installed/);
    const status = await runParx(['status', '--json'], run.root);
    expect((JSON.parse(status.stdout) as { sessions: Array<{ sandbox: string }> }).sessions.map((s) => s.sandbox)).toEqual(['off', 'off']);
    expect((await runParx(['status'], run.root)).stdout).toContain('Sandbox off for auth, payments: bubblewrap is not installed');
    // Unsandboxed, the branch stays a plain branch.
    expect(() => run.git('symbolic-ref', '-q', 'refs/heads/parx/auth')).toThrow();
  });

  it('runs setup inside the sandbox and records it per session; a session can turn it off for itself', async () => {
    const run = createRunFixture(
      { ...sessions, payments: { ...sessions.payments, sandbox: 'off' } },
      { setup: 'echo set > src/$PARX_SESSION/.setup-ok; echo evil > README.md; true' },
    );
    const up = await runParx(['up', '--detach'], run.root);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/auth\s+sandbox on/);
    expect(up.stdout).toMatch(/payments\s+sandbox off\s+sandbox: off in the config/);
    // Setup may write what the session owns, not the rest of its worktree.
    expect(readFileSync(join(run.worktree('auth'), 'src/auth/.setup-ok'), 'utf8')).toBe('set\n');
    expect(readFileSync(join(run.worktree('auth'), 'README.md'), 'utf8')).toBe('# shop\n');
    expect(readFileSync(join(run.worktree('payments'), 'README.md'), 'utf8')).toBe('evil\n');
    const state = JSON.parse(run.read('.git/parx/state.json'));
    expect([state.sessions.auth.sandbox, state.sessions.payments.sandbox]).toEqual(['on', 'off']);
    // bwrap reads its options and seccomp filter from the run's files; ~/.claude.json is copied into the scratch home.
    expect(state.sessions.auth.command.slice(4, 7)).toEqual([
      join(run.root, '.git/parx/sandbox/auth.args'),
      join(run.root, '.git/parx/sandbox/mknod.bpf'),
      join(process.env.HOME!, '.claude.json'),
    ]);
  });

  it('commits on the session branch from inside, relays a sandboxed hook’s denial, and leaves plain git after down', async () => {
    const run = createRunFixture(sessions);
    const up = await runParx(['up', '--detach'], run.root);
    expect(up.exitCode, up.stderr).toBe(0);
    await waitFor('auth to commit', () => (run.isDone('auth') ? true : undefined), 20_000);
    expect(run.git('log', '-1', '--format=%s', 'parx/auth').trim()).toBe('auth: new');
    // The branch lives in auth's own folder while the run lasts, under its usual name for everyone.
    expect(run.git('symbolic-ref', 'refs/heads/parx/auth').trim()).toBe('refs/heads/parx-sandbox/auth/tip');

    // A hook run inside auth's sandbox cannot append to events.jsonl: its denial waits in the
    // session's outbox until the recording guard moves it.
    const denied = await execa(
      'sh',
      [
        '-c',
        SCRIPT_PLAIN,
        'bwrap',
        join(run.root, '.git/parx/sandbox/auth.args'),
        join(run.root, '.git/parx/sandbox/mknod.bpf'),
        process.execPath,
        PARX_BIN,
        'hook',
        'check-write',
        '--common-dir',
        join(run.root, '.git'),
        '--session',
        'auth',
      ],
      {
        cwd: run.worktree('auth'),
        input: JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'echo x > src/payments/charge.ts' } }),
        reject: false,
      },
    );
    expect(denied.exitCode).toBe(2);
    expect(denied.stderr).toContain('belongs to session "payments"');
    expect(run.events('denied')).toEqual([]);
    const guard = await startGuard(run.root);
    const relayed = await waitFor('the denial relayed', () => run.events('denied')[0], 10_000);
    expect(relayed).toMatchObject({ owner: 'payments' });
    await guard.stop();

    const down = await runParx(['down', 'auth'], run.root);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(run.git('log', '-1', '--format=%s', 'main').trim()).toBe('parx: merge auth');
    expect(run.git('for-each-ref', '--format=%(refname)', 'refs/heads/parx-sandbox/auth/', 'refs/heads/parx/auth').trim()).toBe('');
    expect(existsSync(join(run.root, '.git/parx/agents/auth'))).toBe(false);
  });

  it('makes owned folders that are missing, never a folder where a literal glob may name a file', async () => {
    const run = createRunFixture(
      { auth: { owns: ['src/auth/**', 'src/new-module/**', 'TODO.md', 'CHANGES.md', 'notes/plan.md'], task: 'Wait.' } },
      {},
      { 'src/auth/a.ts': 'a\n', 'CHANGES.md': '# changes\n' },
    );
    const up = await runParx(['up', '--detach'], run.root);
    expect(up.exitCode, up.stderr).toBe(0);
    // A file to be opens by its folder; one whose folder is missing too cannot (which folder would it be?).
    expect(up.stdout).not.toContain('TODO.md does not exist');
    expect(up.stdout).toContain('notes/plan.md does not exist yet, nor its folder');
    expect(existsSync(join(run.worktree('auth'), 'notes'))).toBe(false);
    const wt = run.worktree('auth');
    expect(existsSync(join(wt, 'src/new-module'))).toBe(true);
    expect(existsSync(join(wt, 'TODO.md'))).toBe(false);
    const args = readFileSync(join(run.root, '.git/parx/sandbox/auth.args'), 'utf8').split('\0');
    // A file opens as its folder (agents save by renaming a temporary file over it), with the
    // folder's other entries closed again.
    const bindOf = (path: string) => args[args.lastIndexOf(path) - 2];
    expect([bindOf(wt), bindOf(join(wt, 'parx.config.json')), bindOf(join(wt, 'src')), bindOf(join(wt, 'src/auth'))]).toEqual([
      '--bind',
      '--ro-bind',
      '--ro-bind',
      '--bind',
    ]);
    expect(args).not.toContain(join(wt, 'CHANGES.md'));
    expect(args).not.toContain(join(wt, 'TODO.md'));
  });

  it('`plan` names the globs whose folder the sandbox opens whole', async () => {
    const run = createRunFixture({
      tests: { owns: ['src/**/*.test.ts'], task: 't' },
      auth: { owns: ['src/auth/**'], task: 't' },
      docs: { owns: ['*.md'], task: 't' },
    });
    const plan = await runParx(['plan'], run.root);
    expect(plan.stdout).toContain('Sandbox: these globs open their whole folder');
    expect(plan.stdout).toContain('tests: src/**/*.test.ts → src/');
    expect(plan.stdout).toContain('docs: *.md → (the worktree root)/');
    expect(plan.stdout).not.toContain('auth: src/auth/**');
  });

  it('opens a granted path in the grantee’s running sandbox and closes it in the old owner’s, with no restart', async () => {
    const run = createRunFixture(
      {
        auth: {
          owns: ['src/auth/**'],
          agent: 'claude',
          task: 'EDIT src/payments/charge.ts\nPAUSE granted\nSAVE src/payments/charge.ts\nWRITE src/payments/new.ts\nWRITE src/payments/refund.ts\nWRITE src/web/index.html\nCOMMIT auth: charge',
        },
        payments: { owns: ['src/payments/**'], agent: 'claude', task: 'PAUSE granted\nWRITE src/payments/charge.ts\nWRITE src/payments/other.ts' },
        web: { owns: ['src/web/**'], task: 'Wait.' },
      },
      {},
      { 'README.md': '# shop\n', 'src/auth/login.ts': 'l\n', 'src/payments/charge.ts': 'c\n', 'src/payments/refund.ts': 'r\n', 'src/web/index.html': 'w\n' },
    );
    const env = installFakeAgents(run);
    const up = await runParx(['up', '--detach'], run.root, env);
    expect(up.exitCode, up.stderr).toBe(0);
    await waitFor('auth’s request', () => (existsSync(join(run.records, 'auth.denied')) ? true : undefined), 20_000);

    const byId = await runParx(['grant', 'auth-1', '--json'], run.root);
    expect(byId.exitCode, byId.stderr).toBe(0);
    expect(JSON.parse(byId.stdout)).toMatchObject({ restartNeeded: false, notes: [] });
    // A path that does not exist yet opens by its folder.
    const byPath = await runParx(['grant', 'src/payments/new.ts', '--to', 'auth'], run.root);
    expect(byPath.exitCode, byPath.stderr).toBe(0);
    expect(byPath.stdout).not.toContain('restarts');
    writeFileSync(join(run.records, 'granted'), '');
    await waitFor('both agents to finish', () => (run.isDone('auth') && run.isDone('payments') ? true : undefined), 20_000);

    const writes = (session: string) =>
      readFileSync(join(run.records, `${session}.writes`), 'utf8')
        .trim()
        .split('\n');
    // Saved as Claude Code saves (a temporary file renamed over it); refund.ts, beside it, stays
    // payments'; src/web was never granted.
    expect(writes('auth')).toEqual(['src/payments/charge.ts\tok', 'src/payments/new.ts\tok', 'src/payments/refund.ts\tEROFS', 'src/web/index.html\tEROFS']);
    expect(writes('payments')).toEqual(['src/payments/charge.ts\tEROFS', 'src/payments/other.ts\tok']);
    expect(run.git('show', '--name-only', '--format=', 'parx/auth').trim().split('\n')).toEqual(['src/payments/charge.ts', 'src/payments/new.ts']);

    // A pane started again (here: `up` rewrites the options) gets the grants planned in.
    expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
    const args = (session: string) => readFileSync(join(run.root, `.git/parx/sandbox/${session}.args`), 'utf8').split('\0');
    const bindOf = (session: string, path: string) => {
      const a = args(session);
      return a[a.lastIndexOf(join(run.worktree(session), path)) - 2];
    };
    expect([bindOf('auth', 'src/payments'), bindOf('auth', 'src/payments/refund.ts')]).toEqual(['--bind', '--ro-bind']);
    expect(bindOf('payments', 'src/payments/charge.ts')).toBe('--ro-bind');
  });
});
