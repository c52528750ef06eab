import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForGuardToWatch } from '../helpers/guard.js';
import { createRunFixture, installFakeAgents, readEvents, STAND_IN } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, listPaneRows, listSessionPanes, tmuxOut } from '../helpers/tmux.js';

afterEach(killTmuxServer);

// Everything a shell would interpret, plus newlines, tabs and non-ASCII text.
const TRICKY = `Fix "quotes" & 'apostrophes'; $(touch /tmp/parx-pwned) \`id\` $HOME ~ * ?\n\tindented ✓ ünïcode 日本語 \\ back\\slash -- --flag {promptFile}`;

const threeSessions = () =>
  createRunFixture({
    auth: { owns: ['src/auth/**'], task: `${TRICKY}\nEDIT src/auth/login.ts\nEDIT src/auth/jwt.ts\nCOMMIT auth: jwt login` },
    payments: { owns: ['src/payments/**'], task: 'EDIT src/payments/charge.ts\nCOMMIT payments: refuse negatives', after: ['auth'] },
    web: { owns: ['src/web/**'], task: 'Look around; change nothing.' },
  });

describe('parx up', () => {
  it('starts 8 Claude Code sessions whose prompts together exceed what one tmux command can carry, one prompt alone too', async () => {
    // tmux refuses a client message over 16 KB; 8 prompts that list each other's globs pass that.
    const sessions = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [
        `s${i}`,
        {
          owns: [`src/m${i}/**`, `docs/m${i}/**`, `test/m${i}/**/*.ts`],
          task: i === 3 ? `A long task.\n${'Explain every step. '.repeat(1200)}\n` : `Task ${i}.`,
          agent: 'claude',
        },
      ]),
    );
    const run = createRunFixture(sessions);
    const result = await runParx(['up', '--detach'], run.root, installFakeAgents(run));
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    for (let i = 0; i < 8; i++) await waitFor(`s${i} to start`, () => run.isDone(`s${i}`) || undefined);
    for (let i = 0; i < 8; i++) {
      const state = run.state().sessions[`s${i}`]!;
      expect(run.record(`s${i}`).prompt).toBe(readFileSync(state.promptFile, 'utf8'));
    }
    expect(run.record('s3').prompt.length).toBeGreaterThan(20_000);
  });

  it('starts one titled pane per session, in its own worktree and branch, with its exact prompt', async () => {
    const run = threeSessions();
    // An agent marker in parx's own environment must not reach the panes.
    const result = await runParx(['up', '--detach'], run.root, { CLAUDECODE: '1' });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('tmux attach -t parx-repo');
    for (const s of ['auth', 'payments', 'web']) await waitFor(`${s} to finish`, () => run.isDone(s) || undefined);

    const panes = listSessionPanes('parx-repo');
    expect(panes.map((p) => [p.session, p.title, p.path])).toEqual(['auth', 'payments', 'web'].map((s) => [s, s, run.worktree(s)]));
    // Plus one guard pane, in the main worktree.
    expect(
      listPaneRows('parx-repo')
        .filter((p) => p.session === ':guard')
        .map((p) => [p.title, p.path, p.dead]),
    ).toEqual([['guard', realpathSync(run.root), false]]);
    expect(tmuxOut('display-message', '-p', '-t', '=parx-repo:', '#{window_layout}')).toMatch(/^[0-9a-f]{4},/);

    const state = run.state();
    for (const s of ['auth', 'payments', 'web']) {
      const record = run.record(s);
      const promptFile = readFileSync(state.sessions[s]!.promptFile, 'utf8');
      expect(record.prompt).toBe(promptFile);
      expect(record.argv.at(-1)).toBe(promptFile);
      expect(record.cwd).toBe(run.worktree(s));
      expect(record.env).toMatchObject({ PARX_SESSION: s, PARX_BRANCH: `parx/${s}`, PARX_WORKTREE: run.worktree(s), PARX_ROOT: realpathSync(run.root) });
      expect(record.env.CLAUDECODE).toBeUndefined();
      expect(state.sessions[s]!.pane).toBe(panes.find((p) => p.session === s)!.id);
    }
    expect(run.record('auth').prompt).toContain(TRICKY);
    expect(run.record('auth').prompt).toContain('- payments: `src/payments/**`');
    expect(run.record('payments').env).toMatchObject({ PARX_PORT: '4110', COMPOSE_PROJECT_NAME: 'repo-payments' });
    expect(existsSync('/tmp/parx-pwned')).toBe(false);

    // The stand-in committed on its own branch; base and the main worktree are untouched.
    expect(run.git('log', '-1', '--format=%s', 'parx/auth').trim()).toBe('auth: jwt login');
    expect(run.git('diff', '--name-only', 'main', 'parx/auth').trim().split('\n')).toEqual(['src/auth/jwt.ts', 'src/auth/login.ts']);
    expect(run.git('log', '-1', '--format=%s', 'main').trim()).toBe('add parx config');
    expect(run.git('status', '--porcelain').trim()).toBe('');

    const events = readEvents(run.root);
    expect(events).toEqual([expect.objectContaining({ type: 'up', sessions: ['auth', 'payments', 'web'], time: expect.any(String) })]);

    // Run from inside a session's worktree, parx finds the same run.
    const plan = await runParx(['plan', '--json'], run.worktree('web'));
    expect(plan.exitCode).toBe(0);
    expect(JSON.parse(plan.stdout).sessions).toHaveLength(3);
  });

  it('passes arguments and environment values that end in ";" intact (tmux reads a trailing ";" as a separator)', async () => {
    const run = createRunFixture({
      solo: { owns: ['src/**'], task: 'Wait.', agent: `'${STAND_IN}' 'x;' 'y\\;' ';' {prompt}`, env: { DEMO_SEMI: 'a;b;', DEMO_BACKSLASH: 'c\\;' } },
    });
    const result = await runParx(['up', '--detach'], run.root);
    expect(result.stderr).toBe('');
    await waitFor('the agent to start', () => run.isDone('solo') || undefined);
    const record = run.record('solo');
    expect(record.argv.slice(0, 3)).toEqual(['x;', 'y\\;', ';']);
    expect(record.env).toMatchObject({ DEMO_SEMI: 'a;b;', DEMO_BACKSLASH: 'c\\;' });
  });

  it('works in a C locale (over ssh, in cron): tmux would print the tabs of its answers as "_" unless told the client is UTF-8', async () => {
    const run = createRunFixture({ solo: { owns: ['src/**'], task: 'Wait.' } });
    const result = await runParx(['up', '--detach'], run.root, { LANG: 'C', LC_ALL: 'C', LC_CTYPE: 'C' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(listSessionPanes(run.state().tmuxSession).map((p) => p.session)).toEqual(['solo']);
  });

  it('changes nothing when run again', async () => {
    const run = threeSessions();
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    for (const s of ['auth', 'payments', 'web']) await waitFor(`${s} to finish`, () => run.isDone(s) || undefined);
    const snapshot = () => ({
      panes: listPaneRows('parx-repo'),
      worktrees: run.git('worktree', 'list', '--porcelain'),
      refs: run.git('for-each-ref', '--format=%(refname) %(objectname)'),
      status: ['auth', 'web'].map((s) => readFileSync(join(run.worktree(s), 'src/auth/login.ts'), 'utf8')),
    });
    const before = snapshot();

    const again = await runParx(['up', '--detach'], run.root);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/auth\s+worktree reused/);
    expect(again.stdout).toMatch(/auth\s+pane %\d+ running/);
    expect(snapshot()).toEqual(before);
    for (const s of ['auth', 'payments', 'web']) expect(run.starts(s)).toBe(1);
  });

  it('creates only what is missing: named sessions first, the rest later, a closed pane again', async () => {
    const run = threeSessions();
    expect((await runParx(['up', '--detach', 'web'], run.root)).exitCode).toBe(0);
    expect(listPaneRows('parx-repo').map((p) => p.session)).toEqual(['web', ':guard']);
    expect(run.git('for-each-ref', '--format=%(refname:short)', 'refs/heads/parx/').trim()).toBe('parx/web');

    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    expect(
      listPaneRows('parx-repo')
        .map((p) => p.session)
        .sort(),
    ).toEqual([':guard', 'auth', 'payments', 'web']);
    await waitFor('web to start', () => run.isDone('web') || undefined);

    const auth = listPaneRows('parx-repo').find((p) => p.session === 'auth')!;
    tmuxOut('kill-pane', '-t', auth.id);
    const third = await runParx(['up', '--detach'], run.root);
    expect(third.exitCode).toBe(0);
    expect(third.stdout).toMatch(/auth\s+worktree reused/);
    expect(
      listPaneRows('parx-repo')
        .map((p) => p.session)
        .sort(),
    ).toEqual([':guard', 'auth', 'payments', 'web']);
    expect(run.starts('web')).toBe(1);
  });

  it('keeps an exited agent on screen and restarts it only with --respawn', async () => {
    const run = createRunFixture({ solo: { owns: ['src/**'], task: 'EDIT src/x.ts', env: { STANDIN_EXIT: '1' } } });
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    await waitFor('the agent to exit', () => listPaneRows('parx-repo').find((p) => p.dead));

    const plain = await runParx(['up', '--detach'], run.root);
    expect(plain.stdout).toContain('exited (parx up --respawn restarts it)');
    expect(run.starts('solo')).toBe(1);

    const respawn = await runParx(['up', '--detach', '--respawn'], run.root);
    expect(respawn.exitCode).toBe(0);
    expect(respawn.stdout).toMatch(/solo\s+pane %\d+ respawned/);
    await waitFor('a second start', () => (run.starts('solo') === 2 ? true : undefined));
  });

  it('--dry-run prints what it would create and start, and creates nothing', async () => {
    const run = createRunFixture(
      { auth: { owns: ['src/auth/**'], task: 'Log in.' }, payments: { owns: ['src/payments/**'], task: 'Charge.' } },
      { setup: 'npm ci' },
    );
    const refs = run.git('for-each-ref');
    const human = await runParx(['up', '--dry-run'], run.root);
    expect(human.exitCode, human.stderr).toBe(0);
    expect(human.stdout).toContain('Plan (dry run, nothing changes): tmux session parx-repo, base main');
    expect(human.stdout).toMatch(/auth\s+new branch and worktree: parx\/auth at \S+\/auth\n\s+setup: npm ci\n\s+sandbox (on|off), PARX_PORT=4100\n\s+agent: /);
    const json = await runParx(['up', '--dry-run', '--json', 'payments'], run.root);
    expect(JSON.parse(json.stdout)).toMatchObject({
      dryRun: true,
      base: 'main',
      sessions: [
        {
          name: 'payments',
          action: 'create-branch',
          branch: 'parx/payments',
          setup: 'npm ci',
          port: 4110,
          env: { PARX_SESSION: 'payments', PARX_PORT: '4110' },
          prompt: expect.stringContaining('Charge.'),
        },
      ],
    });
    // Nothing made: no branch, no worktree, no run folder, no tmux server.
    expect(run.git('for-each-ref')).toBe(refs);
    expect(run.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(run.root, '.git', 'parx'))).toBe(false);
    expect(() => tmuxOut('list-sessions')).toThrow();
    // Refused for what the real run refuses, and --json alone is bad usage.
    expect(await runParx(['up', '--dry-run', 'nobody'], run.root)).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('unknown session nobody') });
    expect((await runParx(['up', '--json'], run.root)).exitCode).toBe(2);
  });

  it('--dry-run prints the command each pane will run, hooks included, exactly as up then starts it', async () => {
    const run = createRunFixture({ auth: { owns: ['src/auth/**'], task: 'Log in.', agent: 'claude' } });
    const env = installFakeAgents(run);
    const plan = JSON.parse((await runParx(['up', '--dry-run', '--json'], run.root, env)).stdout) as { sessions: Array<{ argv: string[] }> };
    const argv = plan.sessions[0]!.argv;
    expect(argv.slice(0, 3)).toEqual(['claude', '--settings', join(realpathSync(run.root), '.git', 'parx', 'hooks', 'auth.claude.json')]);
    const up = await runParx(['up', '--detach'], run.root, env);
    expect(up.exitCode, up.stderr).toBe(0);
    // The pane's command is that argv, wrapped (environment, sandbox) around it unchanged.
    const command = run.state().sessions.auth!.command;
    expect(command.slice(command.length - argv.length)).toEqual(argv);
  });

  it('refuses a prompt no pane can carry before any worktree exists or any setup runs', async () => {
    const run = createRunFixture({
      solo: { owns: ['src/**'], task: 'x'.repeat(20_000), agent: `'${STAND_IN}' {prompt} --then-wait`, setup: 'touch ../setup-ran' },
    });
    const refs = run.git('for-each-ref');
    const up = await runParx(['up', '--detach'], run.root);
    expect(up.exitCode).toBe(2);
    expect(up.stderr).toContain('the agent command of session solo is too long for tmux');
    expect(run.git('for-each-ref')).toBe(refs);
    expect(existsSync(run.worktree('solo'))).toBe(false);
    expect(existsSync(join(run.parent, 'repo.parx', 'setup-ran'))).toBe(false);
  });

  it('refuses to start when two sessions own the same file, creating nothing', async () => {
    const run = createRunFixture({
      a: { owns: ['src/**'], task: 't' },
      b: { owns: ['src/auth/**'], task: 't' },
    });
    const result = await runParx(['up', '--detach'], run.root);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('owned by two or more sessions');
    expect(result.stderr).toContain('src/auth/login.ts: a, b');
    expect(run.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(run.root, '.git', 'parx'))).toBe(false);
  });

  it('starts each session as soon as its own worktree is ready: one finishes its task while another is still in setup', async () => {
    const run = createRunFixture(
      {
        auth: { owns: ['src/auth/**'], task: 'EDIT src/auth/login.ts\nCOMMIT auth: login', setup: `node ../../look-for-grid.mjs` },
        web: { owns: ['src/web/**'], task: 'EDIT src/web/index.html\nCOMMIT web: page' },
      },
      { guard: { sandbox: 'off' } },
    );
    // auth's setup waits for web's agent to finish its task, then asks tmux what panes the run has.
    writeFileSync(
      join(run.parent, 'look-for-grid.mjs'),
      `import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
const done = ${JSON.stringify(join(run.records, 'web.done'))};
for (const until = Date.now() + 20_000; !existsSync(done) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
const seen = execFileSync('tmux', ['list-panes', '-s', '-t', '=parx-repo', '-F', '#{@parx_pending} #{?@parx_role,:#{@parx_role},#{@parx_session}}'], { encoding: 'utf8' });
writeFileSync(${JSON.stringify(join(run.parent, 'grid-seen'))}, (existsSync(done) ? 'web done\\n' : '') + seen);
`,
    );
    const up = await runParx(['up', '--detach'], run.root);
    expect(up.stderr).toBe('');
    expect(up.exitCode).toBe(0);
    // While auth was still in setup: web's agent had done its work, the guard ran, auth's pane waited.
    expect(readFileSync(join(run.parent, 'grid-seen'), 'utf8').trim().split('\n').sort()).toEqual([' :guard', ' web', '1 auth', 'web done']);
    for (const s of ['auth', 'web']) await waitFor(`${s} to finish`, () => run.isDone(s) || undefined);
    expect(listPaneRows('parx-repo').map((p) => [p.session, p.path])).toEqual([
      ['auth', run.worktree('auth')],
      ['web', run.worktree('web')],
      [':guard', realpathSync(run.root)],
    ]);
    // No pane is marked waiting any more.
    expect(tmuxOut('list-panes', '-s', '-t', '=parx-repo', '-F', '#{pane_id}:#{@parx_pending}').trim().split('\n')).toEqual(
      listPaneRows('parx-repo').map((p) => `${p.id}:`),
    );
    // Each was recorded in the run state before its program started; the guard judged neither's work a violation.
    expect(Object.keys(run.state().sessions).sort()).toEqual(['auth', 'web']);
    await waitForGuardToWatch(run.root);
    expect(run.events('violation')).toEqual([]);
  });

  it('an up that stopped with panes still waiting: the next up gives those very panes their programs', async () => {
    const run = createRunFixture({
      auth: { owns: ['src/auth/**'], task: 'EDIT src/auth/login.ts\nCOMMIT auth: login' },
      web: { owns: ['src/web/**'], task: 'EDIT src/web/index.html\nCOMMIT web: page' },
    });
    const crashed = await runParx(['up', '--detach'], run.root, { PARX_TEST_CRASH_AT: 'up-before-programs' });
    expect(crashed.exitCode).not.toBe(0);
    const waiting = listPaneRows('parx-repo');
    expect(waiting.map((p) => p.session)).toEqual(['auth', 'web', ':guard']);
    expect(run.starts('auth')).toBe(0);

    const up = await runParx(['up', '--detach'], run.root);
    expect(up.stderr).toBe('');
    expect(up.exitCode).toBe(0);
    for (const s of ['auth', 'web']) await waitFor(`${s} to finish`, () => run.isDone(s) || undefined);
    expect(listPaneRows('parx-repo').map((p) => [p.id, p.session, p.path])).toEqual(
      waiting.map((p) => [p.id, p.session, p.session === ':guard' ? realpathSync(run.root) : run.worktree(p.session)]),
    );
    expect(run.starts('auth')).toBe(1);
  });

  it('refuses a tmux session of the same name that parx did not make, before any worktree exists', async () => {
    const run = threeSessions();
    tmuxOut('new-session', '-d', '-s', 'parx-repo');
    const up = await runParx(['up', '--detach'], run.root);
    expect(up.exitCode).toBe(2);
    expect(up.stderr).toContain('tmux session "parx-repo" exists and was not made by parx for this repository');
    expect(run.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(run.git('for-each-ref', '--format=%(refname)', 'refs/heads/parx/')).toBe('');
  });
});
