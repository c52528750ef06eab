import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, hasCommitObject } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { inSandbox } from '../helpers/sandbox-shell.js';
import { hasTmuxSession, killTmuxServer, listSessionPanes } from '../helpers/tmux.js';
import { skipSandboxSuite } from '../helpers/bwrap.js';

/** `parx abandon`: a way out of a session, or of the whole run, that loses nothing. */

afterEach(killTmuxServer);

describe.skipIf(skipSandboxSuite)('parx abandon', () => {
  it('ends a session without merging it, keeping its commits, changes, new and deleted files, and changed ignored files', async () => {
    const run = createRunFixture(
      { a: { owns: ['src/a/**'], task: 'Wait.', agent: 'shell' }, b: { owns: ['src/b/**'], task: 'Wait.', agent: 'shell' } },
      { tmuxSession: 'out' },
      { 'src/a/x.ts': 'x\n', 'src/a/gone.ts': 'gone\n', 'src/b/y.ts': 'y\n', '.gitignore': '*.local\n' },
    );
    {
      const up = await runParx(['up', '--detach'], run.root);
      expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    }
    const work = [
      'echo one > src/a/one.ts && git add -A && git commit -qm "a: one"',
      'echo two > src/a/two.ts && git add -A && git commit -qm "a: two"',
      'echo "x edited" > src/a/x.ts && rm src/a/gone.ts && echo draft > src/a/draft.ts && echo "TOKEN=a" > src/a/.env.local',
    ].join(' && ');
    {
      const r = await inSandbox(run, 'a', work);
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    }
    await waitFor('a’s commits in the shared store', () => hasCommitObject(run, 'parx/a') || undefined);
    const tip = run.git('rev-parse', 'parx/a').trim();

    const result = await runParx(['abandon', 'a', '--json'], run.root);
    expect(result.exitCode, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as {
      ok: boolean;
      finished: boolean;
      sessions: Array<{ name: string; backupRef: string; commits: number; uncommitted: number; saved: { dir: string; files: string[] } | null }>;
    };
    expect(json).toMatchObject({ ok: true, finished: false, sessions: [{ name: 'a', backupRef: 'refs/parx/backup/a/1', commits: 2, uncommitted: 3 }] });
    // Gone: its pane, worktree and branch; b goes on.
    expect(existsSync(run.worktree('a'))).toBe(false);
    expect(run.git('for-each-ref', '--format=%(refname)', 'refs/heads/parx/a', 'refs/heads/parx-sandbox/a/').trim()).toBe('');
    expect(listSessionPanes('out').map((p) => p.session)).toEqual(['b']);
    // Kept: the worktree as it was, on top of the branch's tip.
    const ref = 'refs/parx/backup/a/1';
    expect(run.git('rev-parse', `${ref}^`).trim()).toBe(tip);
    expect(run.git('show', `${ref}:src/a/x.ts`)).toBe('x edited\n');
    expect(run.git('show', `${ref}:src/a/draft.ts`)).toBe('draft\n');
    expect(run.git('show', `${ref}:src/a/one.ts`)).toBe('one\n');
    expect(run.git('ls-tree', '--name-only', `${ref}`, 'src/a/').trim().split('\n')).not.toContain('src/a/gone.ts');
    expect(readFileSync(join(json.sessions[0]!.saved!.dir, 'src/a/.env.local'), 'utf8')).toBe('TOKEN=a\n');
    expect(run.events('abandon')).toEqual([expect.objectContaining({ session: 'a', backupRef: ref })]);
    // The way back it names works.
    run.git('branch', 'a-work', ref);
    expect(run.git('log', '--format=%s', '-3', 'a-work').trim().split('\n')).toEqual(['parx: abandon a: its worktree as it was', 'a: two', 'a: one']);

    // status says so, and where the work is; the other session goes on.
    const midway = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as {
      finished: boolean;
      sessions: Array<{ name: string; state: string; abandoned: unknown }>;
    };
    expect(midway.finished).toBe(false);
    expect(midway.sessions[0]).toMatchObject({ name: 'a', state: 'abandoned', abandoned: { backupRef: ref } });
    expect(midway.sessions[1]).toMatchObject({ name: 'b', abandoned: null });
    expect((await runParx(['status'], run.root)).stdout).toMatch(/a\s+—\s+abandoned → refs\/parx\/backup\/a\/1/);

    // The rest of the run: everything goes, the run is over.
    const rest = await runParx(['abandon'], run.root);
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(rest.stdout).toContain('b abandoned');
    expect(rest.stdout).not.toMatch(/\ba (abandoned|nothing)/);
    expect(rest.stdout).toContain('the run is over');
    expect(hasTmuxSession('out')).toBe(false);
    expect(existsSync(run.worktree('b'))).toBe(false);
    expect(readdirSync(join(run.root, '.git/parx')).sort()).not.toContain('agents');
    const after = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { finished: boolean; sessions: Array<{ state: string }> };
    expect(after).toMatchObject({ finished: true, sessions: [{ state: 'abandoned' }, { state: 'abandoned' }] });
    expect((await runParx(['status'], run.root)).stdout).toContain('The run is finished: every session has landed or was abandoned.');
    // Named again: nothing to abandon, said so, and nothing is written.
    const again = await runParx(['abandon', 'a'], run.root);
    expect(again).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('a nothing to abandon: it has no branch or worktree') });
    expect(run.git('for-each-ref', '--format=%(refname)', 'refs/parx/backup/a/').trim()).toBe(ref);

    // up starts it afresh: it is no longer abandoned.
    expect((await runParx(['up', '--detach', 'a'], run.root)).exitCode).toBe(0);
    const restarted = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as {
      sessions: Array<{ name: string; state: string; abandoned: unknown }>;
    };
    expect(restarted.sessions[0]).toMatchObject({ name: 'a', abandoned: null });
    expect(restarted.sessions[0]!.state).not.toBe('abandoned');
  });
});
