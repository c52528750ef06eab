import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunFixture, type RunFixture } from '../helpers/fixture.js';
import { PARX_BIN, runParx, waitFor } from '../helpers/parx.js';
import { getSshdProblem, startSshd, type TestSshd } from '../helpers/sshd.mjs';
import { hasTmuxSession, killTmuxServer, listSessionPanes } from '../helpers/tmux.js';

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

/** The refs under these prefixes in the host's clone, asked over ssh (the test cannot see it). */
const hostRefs = (dir: string, ...prefixes: string[]) =>
  sshd
    .run(`git -C ${q(dir)} for-each-ref --format='%(refname)' ${prefixes.map(q).join(' ')}`)
    .split('\n')
    .filter(Boolean);

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

    await waitFor('auth to finish', () => (run.isDone('auth') ? true : undefined), 30_000);
    // integrate fetches the hosted tip first and merges it after this machine's sessions.
    const integrate = await runParx(['integrate', '--json'], run.root, env());
    expect(integrate.exitCode, integrate.stderr + integrate.stdout).toBe(0);
    const record = JSON.parse(integrate.stdout) as { order: string[]; tips: Record<string, string>; sessions: Record<string, { kind: string }> };
    expect(record.order).toEqual(['auth', 'payments']);
    expect(record.sessions.payments).toEqual({ kind: 'integrates' });
    expect(record.tips.payments).toBe(sshd.run(`git -C ${q(dir)} rev-parse refs/heads/parx/payments`).trim());
    const down = await runParx(['down', '--json'], run.root, env());
    expect(down.exitCode, down.stderr + down.stdout).toBe(0);
    const result = JSON.parse(down.stdout) as {
      ok: boolean;
      finished: boolean;
      sessions: Array<{ name: string; host: string | null; outcome: { kind: string } }>;
    };
    expect(result).toMatchObject({ ok: true, finished: true });
    expect(result.sessions.map((s) => [s.name, s.host, s.outcome.kind])).toEqual([
      ['auth', null, 'merged'],
      ['payments', 'box', 'merged'],
    ]);
    // The host's work is in base here, byte for byte; there, its worktree and branch are gone,
    // its commit kept under a backup ref, and nothing of the run is left.
    expect(run.git('show', 'main:src/payments/charge.ts')).toBe(sshd.run(`git -C ${q(dir)} show refs/parx/backup/payments/1:src/payments/charge.ts`));
    expect(run.git('log', '--format=%s', 'main').split('\n')).toEqual(expect.arrayContaining(['payments: charge', 'auth: login', 'parx: merge payments']));
    expect(hostRefs(dir, 'refs/heads/parx/')).toEqual([]);
    expect(sshd.run(`test -e ${q(`${dir}.parx/payments`)} && echo there || echo gone`).trim()).toBe('gone');
    expect(run.git('for-each-ref', '--format=%(refname)', 'refs/parx/hosts/').trim()).toBe('');
    // The run is over: its tmux session closed, and the shared connection to the host too.
    expect(hasTmuxSession('here')).toBe(false);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(join(run.root, '.git', 'parx', 'ssh'));
  }, 90_000);

  it('holds isolation on the host, relays its guard here, refuses what down must refuse naming the host, and lives with a host that cannot be reached', async () => {
    const dir = join(sshd.hostDir, 'shop');
    const run = createRunFixture(
      {
        auth: { owns: ['src/auth/**'], task: 'Wait.', agent: 'shell' },
        // Sandboxed on the host: its write outside what it owns is refused there by the OS.
        payments: { owns: ['src/payments/**'], task: 'WRITE src/auth/login.ts\nEDIT src/payments/charge.ts', host: 'box' } as never,
        // Not sandboxed: its foreign write lands, and the host's guard flags it.
        web: { owns: ['src/web/**'], task: 'WRITE src/auth/login.ts', host: 'box', sandbox: 'off' } as never,
        far: { owns: ['docs/**'], task: 'Wait.', host: 'gone' } as never,
        stale: { owns: ['lib/**'], task: 'Wait.', host: 'old' } as never,
        junk: { owns: ['tools/**'], task: 'Wait.', host: 'other' } as never,
      },
      {
        tmuxSession: 'here',
        hosts: {
          box: { ssh: 'parxbox', dir, parx: `${q(process.execPath)} ${q(PARX_BIN)}` },
          // Nothing listens on port 1: ssh fails at once, as with a host that is down.
          gone: { ssh: 'ssh://root@127.0.0.1:1', dir: '/srv/shop' },
          // Reached, but its parx is another version.
          old: { ssh: 'parxbox', dir: '/srv/old', parx: `sh -c 'echo "{\\"ok\\":true,\\"version\\":\\"0.0.1\\"}"'` },
          // A folder of something else there: never made a repository.
          other: { ssh: 'parxbox', dir: join(sshd.hostDir, 'notes'), parx: `${q(process.execPath)} ${q(PARX_BIN)}` },
        },
      },
    );
    sshd.run(`mkdir -p ${q(join(sshd.hostDir, 'notes'))} && echo mine > ${q(join(sshd.hostDir, 'notes', 'todo.txt'))}`);
    const up = await runParx(['up', '--detach'], run.root, { ...env(), PARX_HOST_TICK_MS: '200' });
    expect(up.exitCode, up.stderr + up.stdout).toBe(1);
    expect(up.stderr).toContain('host gone, old, other could not start far, stale, junk');
    expect(up.stderr).toContain('notes exists and is not a git clone');
    expect(sshd.run(`ls -A ${q(join(sshd.hostDir, 'notes'))}; cat ${q(join(sshd.hostDir, 'notes', 'todo.txt'))}`)).toBe('todo.txt\nmine\n');
    expect(up.stderr).toContain('host old has parx 0.0.1');

    const doctor = JSON.parse((await runParx(['doctor', '--json'], run.root, env())).stdout) as {
      checks: Array<{ name: string; status: string; detail: string; fix?: string }>;
    };
    const check = (name: string) => doctor.checks.find((c) => c.name === name);
    expect(check('host box')).toMatchObject({ status: 'ok' });
    expect(check('host gone')).toMatchObject({ status: 'problem', fix: expect.stringContaining('BatchMode=yes') });
    expect(check('host old')).toMatchObject({ status: 'problem', detail: expect.stringContaining('parx 0.0.1 there') });
    expect(
      listSessionPanes('here')
        .map((p) => p.session)
        .sort(),
    ).toEqual(['auth', 'payments', 'web']);

    await waitFor(
      'the hosted agents to finish',
      () => (existsSync(join(run.records, 'payments.done')) && existsSync(join(run.records, 'web.done')) ? true : undefined),
      30_000,
    );
    expect(readFileSync(join(run.records, 'payments.writes'), 'utf8')).toContain('src/auth/login.ts\tEROFS');
    // The host's guard saw web's foreign write; the guard here relays it with the host's name.
    const violation = await waitFor('the violation relayed', () => run.events('violation').find((e) => e.session === 'web'), 20_000);
    expect(violation).toMatchObject({ host: 'box', path: 'src/auth/login.ts' });

    // This machine's session lands; the run goes on for the hosted ones, and so does the guard
    // that relays them: a later foreign write on the host still arrives here.
    const first = await runParx(['down', 'auth', '--json'], run.root, env());
    expect(JSON.parse(first.stdout)).toMatchObject({ finished: false, sessions: [{ name: 'auth', outcome: { kind: 'in-base' } }] });
    sshd.run(`echo later > ${q(`${dir}.parx/web/src/auth/later.ts`)}`);
    await waitFor('the later violation relayed', () => run.events('violation').find((e) => e.path === 'src/auth/later.ts'), 20_000);

    const status = await runParx(['status', '--json'], run.root, env());
    expect(status.exitCode, status.stderr).toBe(0);
    const rows = (
      JSON.parse(status.stdout) as { sessions: Array<{ name: string; state: string; host: string | null; unreachable: string | null; changed: string[] }> }
    ).sessions;
    expect(rows.find((r) => r.name === 'far')).toMatchObject({ host: 'gone', state: 'not-started' });
    expect(rows.find((r) => r.name === 'payments')).toMatchObject({ host: 'box', changed: ['src/payments/charge.ts'] });

    const checkRun = await runParx(['check', '--json'], run.root, env());
    expect(checkRun.exitCode, checkRun.stderr).toBe(1);
    const checked = (
      JSON.parse(checkRun.stdout) as { sessions: Array<{ name: string; host: string | null; violations: Array<{ path: string }>; problem: string | null }> }
    ).sessions;
    expect(checked.find((c) => c.name === 'web')).toMatchObject({
      host: 'box',
      violations: [{ path: 'src/auth/later.ts' }, { path: 'src/auth/login.ts' }],
      problem: null,
    });
    expect(checked.find((c) => c.name === 'far')).toMatchObject({ host: 'gone', problem: expect.stringContaining('host gone cannot be reached') });

    const down = await runParx(['down', '--json'], run.root, env());
    expect(down.exitCode).toBe(1);
    const result = JSON.parse(down.stdout) as {
      sessions: Array<{ name: string; host: string | null; outcome: { kind: string; refusals?: Array<{ kind: string }> } }>;
    };
    const outcome = (name: string) => result.sessions.find((s) => s.name === name);
    expect(outcome('payments')).toMatchObject({ host: 'box', outcome: { kind: 'refused', refusals: [{ kind: 'dirty' }] } });
    // (The host knows only its own sessions' ownership: auth's file is "owned by no session" there.)
    expect(outcome('web')).toMatchObject({
      host: 'box',
      outcome: { kind: 'refused', refusals: expect.arrayContaining([expect.objectContaining({ kind: 'violations' })]) },
    });
    expect(outcome('far')).toMatchObject({ host: 'gone', outcome: { kind: 'refused', refusals: [{ kind: 'host', host: 'gone' }] } });
    // Nothing of the refused sessions was touched on the host.
    expect(sshd.run(`cat ${q(`${dir}.parx/payments/src/payments/charge.ts`)}`)).not.toBe('export const charge = 1;\n');
    expect(hostRefs(dir, 'refs/heads/parx/')).toEqual(['refs/heads/parx/payments', 'refs/heads/parx/web']);

    // Text output names the host too.
    const text = await runParx(['down'], run.root, env());
    expect(text.stdout).toMatch(/payments .*refused.*\(on host box\)/);

    // The host goes away (its ssh fails as a dead network makes it): its sessions show as
    // unreachable, and down skips them with the reason.
    const ssh = join(sshd.binDir, 'ssh');
    const working = readFileSync(ssh, 'utf8');
    writeFileSync(ssh, '#!/bin/sh\necho "ssh: connect to host 127.0.0.1 port 22: Network is unreachable" >&2\nexit 255\n');
    try {
      const away = JSON.parse((await runParx(['status', '--json'], run.root, env())).stdout) as {
        sessions: Array<{ name: string; state: string; unreachable: string | null }>;
      };
      expect(away.sessions.find((r) => r.name === 'payments')).toMatchObject({
        state: 'unreachable',
        unreachable: expect.stringContaining('Network is unreachable'),
      });
      const partial = JSON.parse((await runParx(['down', '--json'], run.root, env())).stdout) as typeof result;
      expect(partial.sessions.find((s) => s.name === 'payments')).toMatchObject({ outcome: { kind: 'refused', refusals: [{ kind: 'host', host: 'box' }] } });
    } finally {
      writeFileSync(ssh, working);
    }
    // Still there, untouched, once the host is back.
    expect(hostRefs(dir, 'refs/heads/parx/')).toEqual(['refs/heads/parx/payments', 'refs/heads/parx/web']);
  }, 120_000);

  it.each(['after-fast-forward', 'after-verify', 'before-host-cleanup', 'after-host-cleanup'])(
    'a down killed %s is finished by the next one, with the work in base once and nothing left on the host',
    async (point) => {
      const dir = join(sshd.hostDir, `shop-${point}`);
      const run = createRunFixture(
        { payments: { owns: ['src/payments/**'], task: 'EDIT src/payments/charge.ts\nCOMMIT payments: charge', host: 'box' } as never },
        { tmuxSession: 'here', verify: 'true', hosts: { box: { ssh: 'parxbox', dir, parx: `${q(process.execPath)} ${q(PARX_BIN)}` } } },
      );
      expect((await runParx(['up', '--detach'], run.root, env())).exitCode).toBe(0);
      await waitFor('the hosted agent to commit', () => (existsSync(join(run.records, 'payments.done')) ? true : undefined), 30_000);
      const killed = await runParx(['down'], run.root, { ...env(), PARX_TEST_CRASH_AT: point });
      expect(killed.exitCode).toBe(-1);
      const again = await runParx(['down', '--json'], run.root, env());
      expect(again.exitCode, again.stderr + again.stdout).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, finished: true });
      expect(
        run
          .git('log', '--format=%s', 'main')
          .split('\n')
          .filter((m) => m === 'parx: merge payments'),
      ).toHaveLength(1);
      expect(run.git('show', 'main:src/payments/charge.ts')).not.toBe('export const charge = 1;\n');
      expect(hostRefs(dir, 'refs/heads/parx/', 'refs/parx/backup/')).toEqual(['refs/parx/backup/payments/1']);
      expect(sshd.run(`test -e ${q(`${dir}.parx/payments`)} && echo there || echo gone`).trim()).toBe('gone');
      expect(hasTmuxSession('here')).toBe(false);
    },
    90_000,
  );
});
