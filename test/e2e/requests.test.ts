import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, installFakeAgents, readEvents, type RunFixture } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, listPaneRows, tmuxOut } from '../helpers/tmux.js';

/**
 * Review bandwidth with the hooked stand-in agent (parx starts it as Claude Code, hooks and
 * all): owned edits approved by the hook, a denied write turned into a request, the human's
 * grant moving ownership everywhere at once, and messages reaching both agents at their next
 * turn boundary through their Stop hooks.
 */

afterEach(killTmuxServer);

const events = (run: RunFixture) => readEvents(run.root);
const lines = (run: RunFixture, name: string) => (existsSync(join(run.records, name)) ? readFileSync(join(run.records, name), 'utf8').trim().split('\n') : []);
const json = async (run: RunFixture, args: string[], env?: Record<string, string>) => JSON.parse((await runParx([...args, '--json'], run.root, env)).stdout);

describe('approve: owned', () => {
  it('approves 20 owned edits with no question and denies the 2 foreign ones (approve: ask leaves them to the agent)', async () => {
    const owned = Array.from({ length: 20 }, (_, i) => `EDIT src/auth/f${i}.ts`);
    const task = [
      ...owned.slice(0, 10),
      'EDIT src/payments/charge.ts',
      ...owned.slice(10),
      'EDIT src/payments/refund.ts',
      'EDIT /tmp/parx-outside-owned.txt',
    ].join('\n');
    const run = createRunFixture({
      auth: { owns: ['src/auth/**'], task, agent: 'claude' },
      careful: { owns: ['src/web/**'], task: 'EDIT src/web/a.html', agent: 'claude', approve: 'ask' },
      payments: { owns: ['src/payments/**'], task: 'Wait.' },
    });
    const env = installFakeAgents(run);
    expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
    await waitFor('both hooked agents to finish', () => (run.isDone('auth') && run.isDone('careful') ? true : undefined));

    const approvals = lines(run, 'auth.approvals').map((l) => l.split('\t'));
    expect(approvals.filter(([p]) => p!.startsWith('src/auth/'))).toEqual(owned.map((l) => [l.slice(5), 'approved']));
    // Outside the repository parx does not vouch: Claude's own prompt decides.
    expect(approvals.find(([p]) => p!.startsWith('/tmp/'))?.[1]).toBe('asked');
    expect(lines(run, 'auth.denied').map((l) => l.split('\t')[0])).toEqual(['src/payments/charge.ts', 'src/payments/refund.ts']);
    expect(lines(run, 'careful.approvals')).toEqual(['src/web/a.html\tasked']);
  });
});

describe('requests, grants and messages', () => {
  it('turns a denied write into a request, grants it, and tells both agents at their next turn boundary', async () => {
    const run = createRunFixture({
      // Without the OS sandbox (sandbox.test.ts covers grants in running sandboxes).
      auth: { owns: ['src/auth/**'], task: 'EDIT src/payments/charge.ts\nPAUSE go-auth\nEDIT src/payments/charge.ts', agent: 'claude', sandbox: 'off' },
      payments: { owns: ['src/payments/**'], task: 'PAUSE go-payments', agent: 'claude' },
    });
    const env = installFakeAgents(run);
    expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
    await waitFor('the first denial', () => (lines(run, 'auth.denied').length === 1 ? true : undefined));

    // The denial named the owner, the request and how to give a reason: the agent gives one.
    const denial = lines(run, 'auth.denied')[0]!.split('\t')[1]!;
    expect(denial).toContain('belongs to session "payments"');
    expect(denial).toContain('request auth-1 to "payments"');
    const ask = /by running: (.*) '<reason>'/.exec(denial)![1]!;
    execFileSync('sh', ['-c', `${ask} 'the charge type needs a currency field for the login flow'`], { cwd: run.worktree('auth') });
    const [request] = (await json(run, ['requests'])).requests;
    expect(request).toMatchObject({
      id: 'auth-1',
      from: 'auth',
      owner: 'payments',
      path: 'src/payments/charge.ts',
      reason: 'the charge type needs a currency field for the login flow',
    });
    // The sandboxed hook wrote it to the session's own folder; the guard moves it to events.jsonl.
    const asked = await waitFor('the request in events.jsonl', () => events(run).find((e) => e.type === 'request' && !e.reason));
    expect(asked).toMatchObject({ id: 'auth-1', from: 'auth', owner: 'payments', path: 'src/payments/charge.ts' });
    expect((await runParx(['status'], run.root)).stdout).toContain('auth-1');

    // Granting by id moves the path: check, the policy and the prompts follow at once.
    const grant = await runParx(['grant', 'auth-1'], run.root);
    expect(grant.exitCode, grant.stderr).toBe(0);
    expect(grant.stdout).toContain('src/payments/charge.ts now belongs to auth');
    expect((await json(run, ['requests'])).requests).toEqual([]);
    expect(readFileSync(join(run.root, '.git/parx/prompts/auth.md'), 'utf8')).toContain('src/payments/charge.ts (granted during this run)');
    expect(readFileSync(join(run.root, '.git/parx/prompts/payments.md'), 'utf8')).toContain('not src/payments/charge.ts (granted to auth)');
    expect(events(run).find((e) => e.type === 'grant')).toMatchObject({ id: 'auth-1', path: 'src/payments/charge.ts', from: 'payments', to: 'auth' });
    // Granted twice is refused; an unknown id is bad usage.
    expect((await runParx(['grant', 'auth-1'], run.root)).exitCode).toBe(1);
    expect((await runParx(['refuse', 'auth-9'], run.root)).exitCode).toBe(2);

    // The requester retries after the grant: its write now goes through, and is no violation.
    writeFileSync(join(run.records, 'go-auth'), '');
    await waitFor('auth to finish', () => (run.isDone('auth') ? true : undefined));
    expect(readFileSync(join(run.worktree('auth'), 'src/payments/charge.ts'), 'utf8')).toBe('edited by auth\n');
    expect(lines(run, 'auth.denied')).toHaveLength(1);
    const check = await json(run, ['check']);
    expect(check.sessions.find((s: { name: string }) => s.name === 'auth').violations).toEqual([]);
    expect(lines(run, 'auth.messages').join('\n')).toContain('Request auth-1 was granted: you now own `src/payments/charge.ts`');

    // The old owner hears it too, and a message from the human, at its turn's end.
    expect((await runParx(['tell', 'payments', 'keep', 'the', 'old', 'export', 'working'], run.root)).exitCode).toBe(0);
    writeFileSync(join(run.records, 'go-payments'), '');
    await waitFor('payments to finish', () => (run.isDone('payments') ? true : undefined));
    const told = lines(run, 'payments.messages').join('\n');
    expect(told).toContain('`src/payments/charge.ts` now belongs to session "auth"');
    expect(told).toContain('From the human: keep the old export working');
    // Delivered once: one continuation, both messages in it.
    expect(told.match(/Messages for this session/g)).toHaveLength(1);
  });

  it('refuses with a reason the requester hears, and grants a path directly with --to', async () => {
    const run = createRunFixture({
      auth: { owns: ['src/auth/**'], task: 'EDIT src/payments/charge.ts\nPAUSE go', agent: 'claude' },
      payments: { owns: ['src/payments/**'], task: 'Wait.' },
    });
    const env = installFakeAgents(run);
    expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
    await waitFor('the denial', () => (lines(run, 'auth.denied').length === 1 ? true : undefined));
    const refuse = await runParx(['refuse', 'auth-1', '--why', 'payments is mid-refactor'], run.root);
    expect(refuse.exitCode, refuse.stderr).toBe(0);
    expect(events(run).find((e) => e.type === 'refuse')).toMatchObject({ id: 'auth-1', why: 'payments is mid-refactor' });
    writeFileSync(join(run.records, 'go'), '');
    await waitFor('auth to finish', () => (run.isDone('auth') ? true : undefined));
    expect(lines(run, 'auth.messages').join('\n')).toContain('Request auth-1 for `src/payments/charge.ts` was refused: payments is mid-refactor');

    // A direct grant: a folder, to a session; bad targets are bad usage. auth runs sandboxed, and
    // here its running sandbox cannot be changed (no perl): the folder opens when its pane
    // restarts, and the human is told so.
    const grant = await runParx(['grant', 'src/web', '--to', 'auth'], run.root, { PARX_PERL: '/nonexistent/perl' });
    expect(grant.exitCode, grant.stderr).toBe(0);
    expect(grant.stdout).toContain('becomes writable there when it restarts');
    expect((await runParx(['grant', '../etc', '--to', 'auth'], run.root)).exitCode).toBe(2);
    expect((await runParx(['grant', 'src/web', '--to', 'nobody'], run.root)).exitCode).toBe(2);
    expect((await runParx(['grant', 'src/web'], run.root)).exitCode).toBe(2);
    writeFileSync(join(run.worktree('payments'), 'src/web/index.html'), 'changed by payments\n');
    const check = await json(run, ['check']);
    expect(check.sessions.find((s: { name: string }) => s.name === 'payments').violations).toEqual([
      { path: 'src/web/index.html', kind: 'trespass', owner: 'auth', change: 'change' },
    ]);
  });
});

describe('notify', () => {
  it('runs the notify command once per session per state change, with what happened only in its environment', async () => {
    const run = createRunFixture(
      {
        // Waits (its Stop hook), asks for payments' file, and, without a sandbox, writes two files it does not own.
        auth: { owns: ['src/auth/**'], task: 'EDIT src/payments/charge.ts', agent: 'claude' },
        web: { owns: ['src/web/**'], task: 'Wait.', sandbox: 'off' },
        payments: { owns: ['src/payments/**'], task: 'Wait.' },
      },
      { notify: `printf '%s|%s|%s\\n' "$PARX_EVENT" "$PARX_SESSION" "$PARX_MESSAGE" >> '${'NOTIFIED'}'` },
    );
    const notified = join(run.parent, 'notified.log');
    const config = JSON.parse(readFileSync(join(run.root, 'parx.config.json'), 'utf8'));
    config.notify = config.notify.replace('NOTIFIED', notified);
    writeFileSync(join(run.root, 'parx.config.json'), JSON.stringify(config));
    execFileSync('git', ['commit', '-qam', 'notify'], { cwd: run.root });
    const env = installFakeAgents(run);
    expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
    const log = () => (existsSync(notified) ? readFileSync(notified, 'utf8').trim().split('\n') : []);
    await waitFor('the request and the wait', () =>
      log().some((l) => l.startsWith('request|auth|')) && log().some((l) => l.startsWith('waiting|auth|')) ? true : undefined,
    );
    expect(log()).toContain('request|auth|auth asks payments for src/payments/charge.ts (parx grant auth-1)');
    const guardPane = listPaneRows('parx-repo').find((p) => p.session === ':guard')!.id;
    await waitFor('the request in the guard pane', () =>
      tmuxOut('capture-pane', '-p', '-J', '-t', guardPane).includes('auth asks payments for src/payments/charge.ts: request auth-1') ? true : undefined,
    );

    writeFileSync(join(run.worktree('web'), 'src/payments/a.ts'), 'x\n');
    writeFileSync(join(run.worktree('web'), 'README.md'), 'y\n');
    await waitFor('the violation notification', () => (log().some((l) => l.startsWith('violation|web|')) ? true : undefined));
    // The second violation came in the same state: no second notification.
    await new Promise((r) => setTimeout(r, 1500));
    expect(log().filter((l) => l.startsWith('violation|web|'))).toHaveLength(1);
    expect(log().filter((l) => l.startsWith('waiting|auth|'))).toHaveLength(1);
  });
});
