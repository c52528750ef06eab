import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunFixture, type RunFixture } from '../helpers/fixture.js';
import { PARX_BIN, runParx, waitFor } from '../helpers/parx.js';
import { getSshdProblem, startSshd, type TestSshd } from '../helpers/sshd.js';
import { killTmuxServer, listSessionPanes } from '../helpers/tmux.js';

/**
 * Sessions on another host, over a real OpenSSH server on 127.0.0.1 whose host folder only ssh
 * can reach (test/helpers/sshd.ts): up, status and down go through ssh and git alone.
 */

const problem = getSshdProblem();
if (problem) console.warn(`hosts.test.ts skipped: ${problem}`);

let sshd: TestSshd;
beforeAll(async () => {
  if (!problem) sshd = await startSshd();
}, 30_000);
afterAll(async () => sshd?.stop());
afterEach(async () => {
  await killTmuxServer();
  sshd?.run('tmux kill-server 2>/dev/null; true');
});

const q = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

function createHostedRun(sessions: Parameters<typeof createRunFixture>[0], dir: string): RunFixture {
  return createRunFixture(sessions, {
    tmuxSession: 'here',
    hosts: { box: { ssh: 'parxbox', dir, parx: `${q(process.execPath)} ${q(PARX_BIN)}` } },
  });
}

const env = () => ({ PATH: `${sshd.binDir}:${process.env.PATH}` });

describe.skipIf(problem)('sessions on another host', () => {
  it('up starts a hosted session there, sandboxed, with its prompt byte for byte; status and down bring it home', async () => {
    const dir = join(sshd.hostDir, 'my shop #1');
    const task = `Charge it. Say "hi" and 'bye', $(touch /tmp/pwned) \`id\` #not-a-comment\nEDIT src/payments/charge.ts\nCOMMIT payments: charge`;
    const run = createHostedRun(
      {
        auth: { owns: ['src/auth/**'], task: 'EDIT src/auth/login.ts\nCOMMIT auth: login' },
        payments: { owns: ['src/payments/**'], task, host: 'box' } as never,
      },
      dir,
    );
    const up = await runParx(['up', '--detach'], run.root, env());
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    // The host's folder is not visible here: only ssh reaches it.
    expect(existsSync(dir)).toBe(false);
    expect(sshd.run(`git -C ${q(dir)} rev-parse --verify -q refs/heads/parx/payments`).trim()).toMatch(/^[0-9a-f]{40}$/);
    expect(
      listSessionPanes('here')
        .map((p) => p.session)
        .sort(),
    ).toEqual(['auth', 'payments']);
    // The agent on the host got its task exactly as written.
    await waitFor('the hosted agent to finish', () => (existsSync(join(run.records, 'payments.done')) ? true : undefined), 30_000);
    expect(run.record('payments').prompt).toContain(task);
    expect(existsSync('/tmp/pwned')).toBe(false);

    const status = await runParx(['status', '--json'], run.root, env());
    expect(status.exitCode, status.stderr).toBe(0);
    const json = JSON.parse(status.stdout) as { sessions: Array<{ name: string; host: string | null; ahead: number; sandbox: string }> };
    expect(json.sessions.find((s) => s.name === 'payments')).toMatchObject({ host: 'box', ahead: 1, sandbox: 'on' });
    expect(json.sessions.find((s) => s.name === 'auth')).toMatchObject({ host: null });
    void readFileSync;
  }, 90_000);
});
