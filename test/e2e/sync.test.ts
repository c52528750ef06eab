import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDownFixture, createRunFixture, hasCommitObject, installFakeAgents, readEvents } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer } from '../helpers/tmux.js';
import { RunFiles } from '../../src/adapters/run-files.js';
import { OwnWrites } from '../../src/ops/guard/own-writes.js';

/**
 * `parx sync`: after a session lands, the sessions that merge after it get the new base merged
 * into their branch, only when their worktree is clean and their agent is not working, and a
 * conflict changes nothing. The guard does not take the files the sync wrote for the session's.
 */

afterEach(killTmuxServer);

const events = (root: string) => readEvents(root);

function landedLib(extra: Record<string, unknown> = {}) {
  const fx = createDownFixture(
    { lib: { owns: ['src/lib/**'] }, app: { owns: ['src/app/**'], after: ['lib'] }, docs: { owns: ['docs/**'] } },
    { shared: ['src/shared/**'], ...extra },
  );
  for (const s of ['lib', 'app', 'docs']) fx.start(s);
  fx.commitIn('lib', { 'src/lib/x.mjs': 'export const x = 1;\n' });
  fx.commitIn('app', { 'src/app/y.mjs': 'export const y = 1;\n' });
  fx.commitIn('docs', { 'docs/a.md': 'a\n' });
  return fx;
}

describe('parx sync', () => {
  it('brings a dependent up to date once what it merges after has landed, only when its worktree is clean', async () => {
    const fx = landedLib();
    const down = await fx.down('lib');
    expect(down.exitCode).toBe(0);
    expect(down.stdout).toContain('A dependent can be synced with the new main now (app): parx sync');

    fx.writeIn('app', 'src/app/draft.mjs', 'draft\n');
    const tip = fx.git('rev-parse', 'parx/app');
    const dirty = await runParx(['sync'], fx.root);
    expect(dirty.exitCode).toBe(1);
    expect(dirty.stdout).toMatch(/app +not synced: 1 uncommitted or untracked file\(s\) in its worktree/);
    expect(fx.git('rev-parse', 'parx/app')).toBe(tip);
    expect(readFileSync(join(fx.worktree('app'), 'src/app/draft.mjs'), 'utf8')).toBe('draft\n');

    fx.gitIn('app', 'add', '-A');
    fx.gitIn('app', 'commit', '-q', '-m', 'draft');
    const synced = JSON.parse((await runParx(['sync', '--json'], fx.root)).stdout);
    expect(synced.sessions).toEqual([{ name: 'app', outcome: expect.objectContaining({ kind: 'synced', landed: ['lib'], told: false }) }]);
    // Its branch holds base now, its worktree shows lib's work, and its own commits are kept.
    expect(() => fx.git('merge-base', '--is-ancestor', 'main', 'parx/app')).not.toThrow();
    expect(fx.gitIn('app', 'log', '--format=%P', '-1').trim().split(' ')).toEqual([
      fx.git('rev-parse', 'parx/app^1').trim(),
      fx.git('rev-parse', 'main').trim(),
    ]);
    expect(readFileSync(join(fx.worktree('app'), 'src/lib/x.mjs'), 'utf8')).toBe('export const x = 1;\n');
    expect(fx.gitIn('app', 'status', '--porcelain')).toBe('');
    // docs does not merge after lib: left alone.
    expect(existsSync(join(fx.worktree('docs'), 'src/lib/x.mjs'))).toBe(false);
    // app runs a shell, which has no hooks: the news is kept for the human to pass on, never
    // queued for a turn boundary that does not come; the event is recorded.
    expect(existsSync(join(fx.root, '.git/parx/inbox/app.jsonl'))).toBe(false);
    expect(readFileSync(join(fx.root, '.git/parx/notes/app.jsonl'), 'utf8')).toContain('main now contains lib');
    expect(
      events(fx.root)
        .filter((e) => e.type === 'sync')
        .map((e) => e.session),
    ).toEqual(['app']);

    const again = await runParx(['sync'], fx.root);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('Nothing to sync');
  });

  it('aborts on a predicted conflict with nothing changed, and says what to do', async () => {
    const fx = landedLib();
    fx.commitIn('lib', { 'src/shared/db.ts': 'export const db = 2;\n' });
    fx.commitIn('app', { 'src/shared/db.ts': 'export const db = 3;\n' });
    expect((await fx.down('lib')).exitCode).toBe(0);
    const before = {
      tip: fx.git('rev-parse', 'parx/app'),
      status: fx.gitIn('app', 'status', '--porcelain', '-uall'),
      db: readFileSync(join(fx.worktree('app'), 'src/shared/db.ts'), 'utf8'),
    };
    const result = await runParx(['sync', 'app'], fx.root);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('merging main would conflict in src/shared/db.ts; nothing was changed');
    expect({
      tip: fx.git('rev-parse', 'parx/app'),
      status: fx.gitIn('app', 'status', '--porcelain', '-uall'),
      db: readFileSync(join(fx.worktree('app'), 'src/shared/db.ts'), 'utf8'),
    }).toEqual(before);
    expect(existsSync(join(fx.root, '.git/parx/inbox/app.jsonl'))).toBe(false);
  });

  it('sync: auto syncs right after the landing', async () => {
    const fx = landedLib({ sync: 'auto' });
    const down = await fx.down('lib');
    expect(down.exitCode).toBe(0);
    expect(down.stdout).toContain('sync: auto');
    expect(down.stdout).toMatch(/✓ app +main \(now with lib\) merged into its branch as [0-9a-f]{9}/);
    expect(() => fx.git('merge-base', '--is-ancestor', 'main', 'parx/app')).not.toThrow();
  });

  it('never syncs under a working agent; once it waits, syncs, and the guard takes none of the synced files for its own', async () => {
    const run = createRunFixture({
      lib: { owns: ['src/lib/**'], task: 'EDIT src/lib/x.mjs\nEDIT src/lib/y.mjs\nCOMMIT lib work', agent: 'claude' },
      app: { owns: ['src/app/**'], after: ['lib'], task: 'EDIT src/app/z.mjs\nCOMMIT app work\nPAUSE go-app', agent: 'claude' },
    });
    const env = installFakeAgents(run);
    expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
    await waitFor('lib to finish and app to commit', () =>
      run.isDone('lib') && hasCommitObject(run, 'parx/app') && run.git('rev-list', '--count', 'main..parx/app').trim() === '1' ? true : undefined,
    );
    const down = await runParx(['down', 'lib'], run.root, env);
    expect(down.exitCode).toBe(0);
    // Not offered while its agent works: `parx sync` would refuse it.
    expect(down.stdout).not.toContain('parx sync');
    expect(down.stdout).toContain('app merges after what landed, and can be synced once it is ready: its agent is working; sync when it waits');

    // app's agent is mid-task (paused): not synced.
    const busy = await runParx(['sync'], run.root, env);
    expect(busy.exitCode).toBe(1);
    expect(busy.stdout).toContain('its agent is working; sync when it waits');
    expect(existsSync(join(run.worktree('app'), 'src/lib/x.mjs'))).toBe(false);

    writeFileSync(join(run.records, 'go-app'), '');
    await waitFor('app to wait', () =>
      JSON.parse(readFileSync(join(run.root, '.git/parx/agents/app/state.json'), 'utf8')).state === 'waiting' ? true : undefined,
    );
    const synced = await runParx(['sync'], run.root, env);
    expect(synced.exitCode).toBe(0);
    expect(readFileSync(join(run.worktree('app'), 'src/lib/y.mjs'), 'utf8')).toBeTruthy();

    // A write of its own to a synced file is still a trespass; the sync's writes are not.
    writeFileSync(join(run.worktree('app'), 'src/lib/y.mjs'), 'export const y = "mine";\n');
    await waitFor('the guard to flag app', () => (events(run.root).some((e) => e.type === 'violation' && e.session === 'app') ? true : undefined));
    // (Before the fix, down removing lib's worktree also showed as lib deleting files it does not own.)
    expect(
      events(run.root)
        .filter((e) => e.type === 'violation')
        .map((e) => [e.session, e.path]),
    ).toEqual([['app', 'src/lib/y.mjs']]);
  });
});

describe('the guard and a sync under way', () => {
  it('waits while the sync still writes a listed file, then tells its write from the agent’s by content', async () => {
    const fx = landedLib();
    const files = new RunFiles(join(fx.root, '.git'));
    const own = new OwnWrites(files);
    const worktree = fx.worktree('app');
    mkdirSync(join(worktree, 'src/lib'));
    writeFileSync(join(worktree, 'src/lib/x.mjs'), 'export const x = 1;\n');
    const expected = fx.gitIn('app', 'hash-object', 'src/lib/x.mjs').trim();
    const change = { path: 'src/lib/x.mjs', change: 'add' as const };
    // Half written (still empty) while the sync runs: not judged yet.
    writeFileSync(join(worktree, 'src/lib/x.mjs'), '');
    await files.writeSyncRecord('app', { commit: 'c', files: { 'src/lib/x.mjs': expected }, writer: process.pid });
    expect(own.isOwn('app', worktree, change)).toBe('wait');
    // Done: the sync's content is the sync's; anything else is the agent's.
    writeFileSync(join(worktree, 'src/lib/x.mjs'), 'export const x = 1;\n');
    await files.writeSyncRecord('app', { commit: 'c', files: { 'src/lib/x.mjs': expected } });
    expect(own.isOwn('app', worktree, change)).toBe('yes');
    writeFileSync(join(worktree, 'src/lib/x.mjs'), 'mine\n');
    expect(own.isOwn('app', worktree, change)).toBe('no');
    expect(own.isOwn('app', worktree, { path: 'src/lib/other.mjs', change: 'add' })).toBe('no');
  });
});
