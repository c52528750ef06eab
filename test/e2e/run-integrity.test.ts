import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDownFixture, createRunFixture, installFakeAgents, STAND_IN } from '../helpers/fixture.js';
import { createRepo } from '../helpers/repo.js';
import { PARX_BIN, runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer } from '../helpers/tmux.js';
import { execa } from 'execa';

/** One run at a time, any ref layout, any repository layout, any prompt: checked before anything is made. */

afterEach(killTmuxServer);

describe('one parx run at a time', () => {
  it('refuses a second up or down while a down runs, naming it, and takes over a lock whose holder died', async () => {
    const fx = createDownFixture({ one: { owns: ['one/**'] } }, { verify: 'touch verify-started && sleep 4' });
    fx.start('one');
    fx.commitIn('one', { 'one/a.txt': 'a\n' });
    const first = execa(process.execPath, [PARX_BIN, 'down'], { cwd: fx.root, reject: false });
    await waitFor('verify to start', () => (existsSync(join(fx.root, 'verify-started')) ? true : undefined));
    const pid = first.pid!;
    for (const command of [['down'], ['up', '--detach']]) {
      const second = await runParx(command, fx.root);
      expect(second.exitCode).toBe(1);
      expect(second.stderr).toContain(`another parx down is running on this repository (pid ${pid})`);
    }
    expect((await first).exitCode).toBe(0);

    // A lock left by a process that is gone (kill -9) does not block the next run.
    writeFileSync(join(fx.root, '.git/parx/lock'), JSON.stringify({ pid: 999_999, command: 'down', time: '' }));
    expect((await fx.down()).stdout).toContain('already merged');
    expect(existsSync(join(fx.root, '.git/parx/lock'))).toBe(false);
  });
});

describe('refs and repository layouts', () => {
  it('finds its branches when a tag or a remote branch has the same short name', async () => {
    const fx = createDownFixture({ one: { owns: ['one/**'] } });
    fx.start('one');
    fx.commitIn('one', { 'one/a.txt': 'a\n' });
    fx.git('tag', 'parx/one', 'main');
    fx.git('update-ref', 'refs/remotes/parx/one', 'main');
    const status = JSON.parse((await runParx(['status', '--json'], fx.root)).stdout) as { sessions: Array<{ ahead: number }> };
    expect(status.sessions[0]!.ahead).toBe(1);
    const down = await fx.down();
    expect(down.exitCode, down.stdout).toBe(0);
    expect(fx.mainLog()[0]).toBe('parx: merge one');
  });

  it('works in a bare repository with linked worktrees, merging in the worktree it was started from', async () => {
    const origin = createRepo({ 'README.md': '# r\n' });
    const home = join(origin.parent, 'project');
    mkdirSync(home);
    execFileSync('git', ['clone', '-q', '--bare', origin.root, join(home, '.bare')]);
    execFileSync('git', ['-C', join(home, '.bare'), 'worktree', 'add', '-q', join(home, 'main'), 'main']);
    const main = realpathSync(join(home, 'main'));
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });
    writeFileSync(join(main, 'parx.config.json'), JSON.stringify({ agent: 'shell', sessions: { one: { owns: ['one/**'], task: 't' } } }));
    git(main, 'add', '-A');
    git(main, 'commit', '-qm', 'config');

    const up = await runParx(['up', '--detach'], main);
    expect(up.exitCode, up.stderr).toBe(0);
    const worktree = join(home, 'main.parx', 'one');
    // (the sandbox has made the owned folder already)
    mkdirSync(join(worktree, 'one'), { recursive: true });
    writeFileSync(join(worktree, 'one/a.txt'), 'a\n');
    git(worktree, 'add', '-A');
    git(worktree, 'commit', '-qm', 'one: a');
    expect((await runParx(['check'], worktree)).exitCode).toBe(0);
    const down = await runParx(['down'], main);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(git(main, 'log', '-1', '--format=%s').trim()).toBe('parx: merge one');
    expect(readFileSync(join(main, 'one/a.txt'), 'utf8')).toBe('a\n');
  });
});

describe('prompts and tasks no program argument can carry', () => {
  it('hands a preset agent a prompt over 128 KiB through its prompt file', async () => {
    const task = `${'Describe every corner case. '.repeat(5000)}\nEDIT src/auth/big.ts`;
    const run = createRunFixture({ auth: { owns: ['src/auth/**'], task, agent: 'claude' }, payments: { owns: ['src/payments/**'], task: 'Wait.' } });
    const up = await runParx(['up', '--detach'], run.root, installFakeAgents(run));
    expect(up.exitCode, up.stderr).toBe(0);
    await waitFor('auth to start', () => run.isDone('auth') || undefined);
    const { argv } = run.record('auth');
    const promptFile = join(run.root, '.git/parx/prompts/auth.md');
    expect(argv.at(-1)).toContain(`Read the whole of ${promptFile} first`);
    expect(readFileSync(promptFile, 'utf8')).toContain(task);
  });

  it('refuses, creating nothing, a command line of the user’s that would pass such a prompt as an argument, and a NUL in a task', async () => {
    const big = createRunFixture({ auth: { owns: ['src/auth/**'], task: 'x'.repeat(140 * 1024), agent: `'${STAND_IN}' --task {prompt}` } });
    const refused = await runParx(['up', '--detach'], big.root);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(
      /the agent command of session auth passes the prompt \(14\d KiB\) as an argument, over the 128 KiB one argument can hold; use \{promptFile\}/,
    );
    expect(existsSync(big.worktree('auth'))).toBe(false);

    const nul = createRunFixture({ auth: { owns: ['src/auth/**'], task: 'before\u0000after' } });
    const bad = await runParx(['up', '--detach'], nul.root);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('sessions.auth.task: expected text without NUL characters');
    expect(existsSync(nul.worktree('auth'))).toBe(false);
  });
});
