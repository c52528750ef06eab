import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, readEvents, type RunFixture } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, listPaneRows, tmuxOut } from '../helpers/tmux.js';

afterEach(killTmuxServer);

const sessions = {
  auth: { owns: ['src/auth/**'], task: 'Wait.' },
  payments: { owns: ['src/payments/**'], task: 'Wait.' },
};
const events = (run: RunFixture) => readEvents(run.root);
const guardScreen = () => tmuxOut('capture-pane', '-p', '-J', '-t', listPaneRows('parx-repo').find((p) => p.session === ':guard')!.id);
const gitIn = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('guard.onViolation: revert', () => {
  it('puts a trespassing file back as the branch has it, after keeping every written byte in quarantine', async () => {
    const run = createRunFixture(sessions, { guard: { onViolation: 'revert' } });
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    await waitFor('the guard to be ready', () => (guardScreen().includes('ready in') ? true : undefined));
    const wt = run.worktree('auth');
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x0a, 0x41]); // not even UTF-8
    // The new file is staged before any write: staging it after writing it would race with the
    // guard's revert of that write for the worktree's index.lock (as any agent's `git add` can).
    const staged = join(run.parent, 'new.ts');
    writeFileSync(staged, 'new file by auth\n');
    const blob = gitIn(wt, 'hash-object', '-w', staged).trim();
    gitIn(wt, 'update-index', '--add', '--cacheinfo', `100644,${blob},src/payments/new.ts`);
    writeFileSync(join(wt, 'src/payments/charge.ts'), bytes);
    writeFileSync(join(wt, 'src/payments/new.ts'), 'new file by auth\n');
    writeFileSync(join(wt, 'src/auth/mine.ts'), 'owned\n');

    const reverts = await waitFor('both reverts', () => {
      const found = events(run).filter((e) => e.type === 'revert');
      return found.length >= 2 ? found : undefined;
    });
    expect(readFileSync(join(wt, 'src/payments/charge.ts'), 'utf8')).toBe('export const charge = 1;\n');
    expect(existsSync(join(wt, 'src/payments/new.ts'))).toBe(false);
    expect(gitIn(wt, 'status', '--porcelain')).toBe('?? src/auth/mine.ts\n'); // the owned write stays, index clean
    const byPath = Object.fromEntries(reverts.map((e) => [e.path, e.quarantined as string]));
    expect(byPath['src/payments/charge.ts']).toMatch(new RegExp(`^${join(run.root, '.git/parx/quarantine/auth/')}.*/src/payments/charge.ts$`));
    expect(readFileSync(byPath['src/payments/charge.ts'])).toEqual(bytes);
    expect(readFileSync(byPath['src/payments/new.ts'], 'utf8')).toBe('new file by auth\n');
    await waitFor('the guard line saying where it went', () => (guardScreen().includes('what was written is kept in') ? true : undefined));
    // The restore itself is not judged as a new write.
    expect(events(run).filter((e) => e.type === 'revert')).toHaveLength(2);
  });
});

describe('guard.commitHook', () => {
  it("refuses a commit outside the session's ownership, lets an owned one through, and still runs the user's own hooks", async () => {
    const run = createRunFixture(sessions, { guard: { commitHook: true } });
    const log = join(run.parent, 'user-hooks.log');
    for (const name of ['pre-commit', 'commit-msg']) {
      writeFileSync(join(run.root, '.git/hooks', name), `#!/bin/sh\necho "${name} $(basename "$PWD")" >> '${log}'\n`);
      chmodSync(join(run.root, '.git/hooks', name), 0o755);
    }
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    const wt = run.worktree('auth');

    writeFileSync(join(wt, 'src/payments/charge.ts'), 'hijacked\n');
    gitIn(wt, 'add', '-A');
    let refused = '';
    try {
      gitIn(wt, 'commit', '-q', '-m', 'trespass');
    } catch (error) {
      refused = String((error as { stderr: string }).stderr);
    }
    expect(refused).toContain('parx: this commit changes 1 file(s) outside what session "auth" owns');
    expect(refused).toContain('src/payments/charge.ts (owned by payments)');
    expect(gitIn(wt, 'log', '-1', '--format=%s')).toBe('add parx config\n');

    gitIn(wt, 'restore', '--staged', 'src/payments/charge.ts');
    writeFileSync(join(wt, 'src/auth/jwt.ts'), 'jwt\n');
    gitIn(wt, 'add', 'src/auth/jwt.ts');
    gitIn(wt, 'commit', '-q', '-m', 'auth: jwt');
    expect(gitIn(wt, 'log', '-1', '--format=%s')).toBe('auth: jwt\n');
    expect(readFileSync(log, 'utf8')).toBe('pre-commit auth\ncommit-msg auth\n');

    // The main checkout keeps the user's hooks as they were, with no gate.
    run.write('notes.md', 'x\n');
    run.git('add', 'notes.md');
    run.git('commit', '-q', '-m', 'notes');
    expect(readFileSync(log, 'utf8')).toBe('pre-commit auth\ncommit-msg auth\npre-commit repo\ncommit-msg repo\n');

    // `down --commit-wip --allow-violations` gets its WIP commit through the gate.
    const down = await runParx(['down', 'auth', '--commit-wip', '--allow-violations'], run.root);
    expect(down.stdout).toMatch(/✓ auth\s+merged/);
  });
});
