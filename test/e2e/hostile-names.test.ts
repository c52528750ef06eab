import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, type RunFixture } from '../helpers/fixture.js';
import { PARX_BIN, runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';
import { waitForGuardToWatch } from '../helpers/guard.js';

/**
 * File and folder names are user (or agent) text: they must never run code in tmux, move a
 * pane out of its worktree, or reach the terminal as escape sequences.
 */

const clients: ResultPromise[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.kill('SIGKILL');
  await killTmuxServer();
});

const sessions = {
  auth: { owns: ['src/auth/**'], task: 'Wait.' },
  payments: { owns: ['src/payments/**'], task: 'Wait.' },
};

const events = (run: RunFixture) => run.events();

function writeIn(run: RunFixture, session: string, path: string): void {
  const file = join(run.worktree(session), path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, 'x\n');
}

/**
 * A real terminal client attached to the session (tmux shows messages only to clients); what
 * tmux draws on it is logged, so a test can wait until a message was shown.
 */
async function attachClient(run: RunFixture): Promise<() => string> {
  const log = join(run.parent, 'terminal.log');
  const tmuxSession = run.state().tmuxSession;
  const client = execa('script', ['-qfc', `tmux attach -t =${tmuxSession}`, log], { env: { TERM: 'xterm' }, reject: false, stdin: 'pipe' });
  clients.push(client);
  await waitFor('a client to attach', () => (tmuxOut('list-clients', '-t', `=${tmuxSession}`) ? true : undefined));
  return () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
}

describe('hostile file and folder names', () => {
  it('a file name holding a tmux format is shown, never run, when the guard alerts attached clients', async () => {
    const run = createRunFixture(sessions);
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    const terminal = await attachClient(run);
    await waitForGuardToWatch(run.root);

    // `#(cmd)` in a tmux format runs cmd in the tmux server.
    const path = 'src/payments/#(touch ~/pwned)';
    writeIn(run, 'auth', path);
    await waitFor('the violation to be recorded', () => events(run).find((e) => e.type === 'violation' && e.path === path));
    await waitFor('the alert on the terminal', () => (terminal().includes('(owned by payments)') ? true : undefined));
    expect(terminal()).toContain('changed src/payments/#(touch ~/pwned) (owned by payments)');
    expect(existsSync(join(homedir(), 'pwned'))).toBe(false);
  });

  it('starts every pane in its own worktree when the repository path holds tmux formats', async () => {
    // `#S` and `#{pane_id}` expand in tmux's -c; unescaped, tmux falls back to the main checkout.
    const run = createRunFixture(sessions, {}, undefined, 'C#S#{pane_id}app');
    const up = await runParx(['up', '--detach'], run.root);
    expect(up.stderr).toBe('');
    expect(up.exitCode).toBe(0);
    for (const session of ['auth', 'payments']) {
      // Its record is complete once it says it is done (the record itself is written non-atomically).
      await waitFor(`${session} to start`, () => run.isDone(session) || undefined);
      expect(run.record(session).cwd).toBe(run.worktree(session));
    }
    const paths = tmuxOut('list-panes', '-s', '-t', `=${run.state().tmuxSession}`, '-F', '#{pane_start_path}').split('\n');
    expect(paths.sort()).toEqual([run.root, run.worktree('auth'), run.worktree('payments')].map((p) => p).sort());
  });

  it('the guard prints file names with their control characters escaped', async () => {
    const run = createRunFixture(sessions);
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    const guard = execa(process.execPath, [PARX_BIN, 'guard'], { cwd: run.root, reject: false, stdin: 'ignore', buffer: { stdout: false } });
    clients.push(guard);
    let out = '';
    guard.stdout.setEncoding('utf8');
    guard.stdout.on('data', (chunk: string) => (out += chunk));
    await waitFor('the guard to be ready', () => (out.includes('watching') ? true : undefined));

    // OSC 52 (write the clipboard) and a bidi override, in a file name.
    writeIn(run, 'auth', 'src/payments/\x1b]52;c;cGF5bG9hZA==\x07\u202eevil.ts');
    await waitFor('the violation line', () => (out.includes('✗') ? true : undefined));
    const line = out.split('\n').find((l) => l.includes('✗'))!;
    expect(line).toContain('src/payments/\\x1b]52;c;cGF5bG9hZA==\\x07\\u202eevil.ts');
    // eslint-disable-next-line no-control-regex -- the escapes it must not print
    expect(out).not.toMatch(/[\x1b\x07\u202e]/);
  });
});
