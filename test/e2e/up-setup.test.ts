import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { hasTmuxSession, listSessionPanes, killTmuxServer } from '../helpers/tmux.js';

afterEach(killTmuxServer);

// A rendezvous: each setup marks that it started, then waits (up to 20 s) until two have
// started. Run one after the other, the first would give up and fail `up`: so passing proves
// they ran at the same time, with no timing in the assertion.
const rendezvousSetup = (dir: string) =>
  `touch '${dir}'/"$PARX_SESSION".started; echo "$PARX_SESSION" >> '${dir}/setup.log'; ` +
  `for i in $(seq 200); do [ "$(ls '${dir}'/*.started | wc -l)" -ge 2 ] && exit 0; sleep 0.1; done; exit 1`;

describe('parx up: copy and setup', () => {
  it('copies ignored files into new worktrees and runs setup concurrently with the session environment', async () => {
    const run = createRunFixture(
      {
        auth: { owns: ['src/auth/**'], task: 't' },
        payments: { owns: ['src/payments/**'], task: 't' },
        web: { owns: ['src/web/**'], task: 't', setup: `printf '%s' "$PARX_SESSION:$PARX_PORT:$DEMO_FLAG" > src/web/.setup-out` },
      },
      { copy: ['.env', 'config/local', 'missing.txt'], env: { DEMO_FLAG: 'on' } },
    );
    const log = join(run.records, 'setup.log');
    const config = JSON.parse(run.read('parx.config.json'));
    config.setup = rendezvousSetup(run.records);
    config.env.STANDIN_RECORD_DIR = run.records;
    run.write('parx.config.json', JSON.stringify(config));
    run.write('.gitignore', '.env\nconfig/local/\n');
    run.git('add', '-A');
    run.git('commit', '-q', '-m', 'setup');
    run.write('.env', 'SECRET=1\n');
    run.write('config/local/db.json', '{"port":5432}\n');

    const result = await runParx(['up', '--detach'], run.root);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('copy: skipped missing.txt');
    for (const s of ['auth', 'payments', 'web']) {
      expect(readFileSync(join(run.worktree(s), '.env'), 'utf8')).toBe('SECRET=1\n');
      expect(readFileSync(join(run.worktree(s), 'config/local/db.json'), 'utf8')).toBe('{"port":5432}\n');
    }
    expect(readFileSync(join(run.worktree('web'), 'src/web/.setup-out'), 'utf8')).toBe('web:4120:on');

    // auth and payments ran the global setup, concurrently (or the rendezvous would have failed).
    expect(readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual(['auth', 'payments']);

    // Setup ran once: a second `up` reuses the worktrees as they are.
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('shows a failed setup, starts the sessions that are ready, keeps the worktrees and retries only that setup', async () => {
    const run = createRunFixture({
      good: { owns: ['src/auth/**'], task: 't', setup: 'true' },
      bad: { owns: ['src/web/**'], task: 't', setup: 'true' },
    });
    const fixSetups = (bad: string) => {
      const config = JSON.parse(run.read('parx.config.json'));
      config.sessions.good.setup = `echo ok >> '${run.records}/good.setups'`;
      config.sessions.bad.setup = bad;
      run.write('parx.config.json', JSON.stringify(config));
    };
    fixSetups('echo "installing…"; echo "boom: registry unreachable" >&2; exit 3');

    const failed = await runParx(['up', '--detach'], run.root);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('setup failed in bad; its agent was not started (good started)');
    expect(failed.stderr).toContain('── bad: setup failed (exit 3) ──');
    expect(failed.stderr).toContain('boom: registry unreachable');
    expect(failed.stderr).not.toContain('── good');
    await waitFor('good’s agent to start', () => run.isDone('good') || undefined);
    expect(listSessionPanes('parx-repo').map((p) => p.session)).toEqual(['good']);
    expect(existsSync(run.worktree('good')) && existsSync(run.worktree('bad'))).toBe(true);
    expect(run.state().sessions.bad!.setup).toBe('failed');

    fixSetups(`echo fixed > '${run.records}/bad.fixed'`);
    const retried = await runParx(['up', '--detach'], run.root);
    expect(retried.stderr).toBe('');
    expect(retried.exitCode).toBe(0);
    expect(existsSync(join(run.records, 'bad.fixed'))).toBe(true);
    expect(readFileSync(join(run.records, 'good.setups'), 'utf8')).toBe('ok\n');
    expect(hasTmuxSession('parx-repo')).toBe(true);
    await waitFor('both agents to start', () => (run.isDone('good') && run.isDone('bad')) || undefined);
    expect(run.starts('good')).toBe(1);
  });

  it('says which path a setup found read-only in its sandbox, and how to open it', async () => {
    // lite owns nothing at the top of the worktree, where `npm install` writes its lockfile.
    const run = createRunFixture(
      {
        lite: { owns: ['src/lite.js'], task: 't' },
        build: { owns: ['package.json', 'bin/**'], task: 't' },
      },
      { setup: 'touch package-lock.json' },
      { 'package.json': '{}\n', 'src/index.js': 'x\n', 'bin/build.js': 'x\n' },
    );
    const failed = await runParx(['up', '--detach'], run.root);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('setup failed in lite; its agent was not started (build started)');
    expect(failed.stderr).toContain("setup runs in lite's OS sandbox, where only what lite may change is writable, and it could not write package-lock.json.");
    expect(failed.stderr).toMatch(/add it to `shared:` .* or to `writable:`/);
    // Declaring it shared: a shared file that does not exist yet opens by its folder, so it can be made.
    const config = JSON.parse(run.read('parx.config.json'));
    run.write('parx.config.json', JSON.stringify({ ...config, shared: ['package-lock.json'] }));
    const retried = await runParx(['up', '--detach'], run.root);
    expect(retried.exitCode, retried.stderr).toBe(0);
    expect(existsSync(join(run.worktree('lite'), 'package-lock.json'))).toBe(true);
  });

  it('fills new worktrees concurrently; one that cannot be filled is removed with its branch, the others are kept', async () => {
    const run = createRunFixture({
      auth: { owns: ['src/auth/**'], task: 't' },
      payments: { owns: ['src/payments/**'], task: 't' },
      bad: { owns: ['src/web/**'], task: 't' },
    });
    // A smudge filter (what git-lfs installs) runs while a worktree's files are written. This
    // one meets the other worktrees' fillings (a rendezvous: filled one after the other, the
    // first would wait 20 s in vain and fail), and refuses to fill the worktree `bad`.
    const dir = run.records;
    const smudge =
      `case "$(pwd)" in */bad) echo "smudge: disk quota exceeded" >&2; exit 1;; esac; ` +
      `touch "${dir}/$(basename "$(pwd)").filling"; ` +
      `for i in $(seq 200); do [ "$(ls "${dir}"/*.filling | wc -l)" -ge 2 ] && exec cat; sleep 0.1; done; exit 1`;
    run.git('config', 'filter.probe.smudge', `sh -c '${smudge.replaceAll("'", "'\\''")}'`);
    run.git('config', 'filter.probe.clean', 'cat');
    run.git('config', 'filter.probe.required', 'true');
    run.write('.gitattributes', 'README.md filter=probe\n');
    // As after `git worktree add`, the repository's post-checkout hook runs in each new worktree.
    writeFileSync(join(run.root, '.git/hooks/post-checkout'), `#!/bin/sh\necho "$(basename "$PWD") $1 $3" >> '${dir}/post-checkout.log'\n`, { mode: 0o755 });
    run.git('add', '-A');
    run.git('commit', '-q', '-m', 'attributes');

    const failed = await runParx(['up', '--detach'], run.root);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('no worktree could be made for bad; its agent was not started (auth, payments started)');
    expect(failed.stderr).toContain('smudge: disk quota exceeded');
    expect(listSessionPanes('parx-repo').map((p) => p.session)).toEqual(['auth', 'payments']);
    // Nothing half-made is left of `bad`: no folder, no registration, no branch.
    expect(existsSync(run.worktree('bad'))).toBe(false);
    expect(run.git('worktree', 'list', '--porcelain')).not.toContain('/bad\n');
    expect(run.git('for-each-ref', '--format=%(refname:short)', 'refs/heads/parx/').trim().split('\n')).toEqual(['parx/auth', 'parx/payments']);
    // The others are whole, their smudged file included, and clean.
    for (const s of ['auth', 'payments']) {
      expect(readFileSync(join(run.worktree(s), 'README.md'), 'utf8')).toBe('# shop\n');
      expect(run.git('-C', run.worktree(s), 'status', '--porcelain').trim()).toBe('');
      expect(existsSync(join(dir, `${s}.filling`))).toBe(true);
    }
    const zeros = '0'.repeat(40);
    expect(readFileSync(join(dir, 'post-checkout.log'), 'utf8').trim().split('\n').sort()).toEqual([`auth ${zeros} 1`, `payments ${zeros} 1`]);

    // Once the filter lets it be, the next `up` makes `bad` and starts everyone.
    run.git('config', 'filter.probe.smudge', 'cat');
    const retried = await runParx(['up', '--detach'], run.root);
    expect(retried.stderr).toBe('');
    expect(retried.exitCode).toBe(0);
    expect(readFileSync(join(run.worktree('bad'), 'README.md'), 'utf8')).toBe('# shop\n');
    expect(
      listSessionPanes('parx-repo')
        .map((p) => p.session)
        .sort(),
    ).toEqual(['auth', 'bad', 'payments']);
    await waitFor('every agent to start', () => ['auth', 'payments', 'bad'].every((s) => run.isDone(s)) || undefined);
  });
});
