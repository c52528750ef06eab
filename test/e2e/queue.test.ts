import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { skipSandboxSuite } from '../helpers/bwrap.js';
import { createRunFixture, hasCommitObject, type RunFixture } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { inSandbox } from '../helpers/sandbox-shell.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';

/**
 * The queue that finishes the job: `land: auto` (the guard lands each session once it is ready),
 * `recover: agent` (a failed landing goes back to its author with the context, under a retry
 * budget) and `resolve:` (a conflicted shared file regenerated instead of refused).
 */

afterEach(killTmuxServer);

const FILES = { 'README.md': '# shop\n', 'src/a/x.ts': 'x\n', 'src/b/y.ts': 'y\n', 'src/c/z.ts': 'z\n', 'deps.lock': 'base\n' };

async function up(config: Record<string, unknown>, sessions: Record<string, unknown>): Promise<RunFixture> {
  const run = createRunFixture(sessions as never, { tmuxSession: 'queue', ...config }, FILES);
  const result = await runParx(['up', '--detach'], run.root, { PARX_SILENCE_SECONDS: '1', PARX_LAND_TICK_MS: '300' });
  expect(result.exitCode, result.stderr + result.stdout).toBe(0);
  return run;
}

/** Types a command into a session's pane, as its agent would run it: the pane works, then goes quiet. */
function typeIn(run: RunFixture, session: string, command: string): void {
  tmuxOut('send-keys', '-t', run.state().sessions[session]!.pane, '-l', command);
  tmuxOut('send-keys', '-t', run.state().sessions[session]!.pane, 'Enter');
}

const landed = (run: RunFixture, session: string) => run.events('land').find((e) => e.session === session);

describe.skipIf(skipSandboxSuite)('the queue', () => {
  it('land: auto lands each session once its agent has finished, in dependency order, syncing dependents; never one with nothing to land', async () => {
    const run = await up(
      { land: 'auto', verify: 'test -e src/a/x.ts' },
      {
        a: { owns: ['src/a/**'], task: 'a', agent: 'shell' },
        b: { owns: ['src/b/**'], task: 'b', agent: 'shell', after: ['a'] },
        c: { owns: ['src/c/**'], task: 'c', agent: 'shell' },
      },
    );
    // b finishes first, but merges after a: it waits for a.
    typeIn(run, 'b', 'echo "y, done" > src/b/y.ts && git commit -qam "b: done"');
    let seen: unknown;
    await waitFor('b to wait for a', async () => {
      const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as {
        sessions: Array<{ name: string; landing: { waitingFor?: string } }>;
      };
      seen = status.sessions.find((s) => s.name === 'b');
      return status.sessions.find((s) => s.name === 'b')?.landing?.waitingFor === 'a to land first' ? true : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(seen)}`);
    });
    expect(run.events('land')).toEqual([]);
    typeIn(run, 'a', 'echo "x, done" > src/a/x.ts && git commit -qam "a: done"');
    await waitFor('a to land', () => landed(run, 'a'), 20_000);
    await waitFor('b to land after it', () => landed(run, 'b'), 20_000);
    expect(run.events('land').map((e) => e.session)).toEqual(['a', 'b']);
    expect(run.git('show', 'main:src/a/x.ts')).toBe('x, done\n');
    expect(run.git('show', 'main:src/b/y.ts')).toBe('y, done\n');
    // c has done nothing: it is not closed by land: auto.
    const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { sessions: Array<{ name: string; state: string; landing: unknown }> };
    expect(status.sessions.map((s) => [s.name, s.state])).toEqual([
      ['a', 'landed'],
      ['b', 'landed'],
      ['c', 'waiting'],
    ]);
    expect(status.sessions[2]!.landing).toEqual({ ready: false, waitingFor: 'commits' });
  });

  it('recover: agent sends a broken landing back with verify’s output, tries again on a new commit, then needs a human; no commit is lost', async () => {
    const run = await up(
      { land: 'auto', recover: 'agent', retries: 2, verify: 'if [ -e src/a/BROKEN ]; then echo "test x: expected 1, got 2"; exit 1; fi' },
      { a: { owns: ['src/a/**'], task: 'a', agent: 'shell' }, b: { owns: ['src/b/**'], task: 'b', agent: 'shell' } },
    );
    typeIn(run, 'a', 'touch src/a/BROKEN && git add -A && git commit -qm "a: broken"');
    await waitFor('a first recovery', () => run.events('recover').find((e) => e.try === 1), 20_000);
    expect(run.events('recover')[0]).toMatchObject({ session: 'a', reason: 'verify', try: 1 });
    const notes = () => readFileSync(join(run.root, '.git', 'parx', 'notes', 'a.jsonl'), 'utf8');
    // A shell has no turn boundary: the message is kept for the human to pass on.
    await waitFor('the message for a', () => (existsSync(join(run.root, '.git', 'parx', 'notes', 'a.jsonl')) && notes().includes('try 1 of 2')) || undefined);
    expect(notes()).toContain('try 1 of 2');
    expect(notes()).toContain('test x: expected 1, got 2');
    // The same tip is not tried again.
    const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as {
      sessions: Array<{ landing: { waitingFor: string }; recover: unknown }>;
    };
    expect(status.sessions[0]).toMatchObject({
      recover: { tries: 1, reason: 'verify' },
      landing: { waitingFor: expect.stringContaining('try 1 failed (verify)') },
    });

    typeIn(run, 'a', 'echo again >> src/a/x.ts && git commit -qam "a: still broken"');
    await waitFor('a second recovery', () => run.events('recover').find((e) => e.try === 2), 20_000);
    typeIn(run, 'a', 'echo more >> src/a/x.ts && git commit -qam "a: broken again"');
    await waitFor('a to need a human', () => run.events('needs-human').find((e) => e.session === 'a'), 20_000);
    const after = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as {
      sessions: Array<{ needsHuman: string; landing: { waitingFor: string } }>;
    };
    expect(after.sessions[0]!.needsHuman).toContain('2 tries did not land it');
    expect(after.sessions[0]!.landing.waitingFor).toContain('a human');
    // Nothing broken landed, and every commit is on its branch.
    expect(run.git('ls-tree', '--name-only', 'main', 'src/a/').trim().split('\n')).toEqual(['src/a/x.ts']);
    expect(run.git('log', '--format=%s', 'parx/a').split('\n').slice(0, 3)).toEqual(['a: broken again', 'a: still broken', 'a: broken']);
    expect(run.events('land')).toEqual([]);
  });

  it('resolve: a conflicted shared lockfile is regenerated in parx’s scratch checkout, not refused; a failing rule refuses with its output', async () => {
    const where = join(process.env.TMPDIR ?? '/tmp', `parx-resolve-where-${process.pid}`);
    const run = await up(
      { shared: ['deps.lock'], resolve: { 'deps.lock': `pwd > ${where} && cat src/a/x.ts src/b/y.ts > deps.lock` } },
      { a: { owns: ['src/a/**'], task: 'a', agent: 'shell' }, b: { owns: ['src/b/**'], task: 'b', agent: 'shell' } },
    );
    for (const [s, file] of [
      ['a', 'src/a/x.ts'],
      ['b', 'src/b/y.ts'],
    ] as const) {
      const r = await inSandbox(run, s, `echo "${s} v2" > ${file} && echo "${s} lock" > deps.lock && git commit -qam "${s}: v2"`);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    await waitFor('both commits in the shared store', () => (hasCommitObject(run, 'parx/a') && hasCommitObject(run, 'parx/b')) || undefined);
    const down = await runParx(['down', '--json'], run.root);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(run.git('show', 'main:deps.lock')).toBe('a v2\nb v2\n');
    expect(readFileSync(where, 'utf8').trim()).toBe(join(run.root, '.git', 'parx', 'resolve', 'tree'));
  });

  it('resolve: a rule whose command fails refuses the merge, saying so with its output', async () => {
    const run = await up(
      { shared: ['deps.lock'], resolve: { 'deps.lock': 'echo "cannot regenerate: registry unreachable"; exit 3' } },
      { a: { owns: ['src/a/**'], task: 'a', agent: 'shell' }, b: { owns: ['src/b/**'], task: 'b', agent: 'shell' } },
    );
    for (const s of ['a', 'b']) expect((await inSandbox(run, s, `echo "${s} lock" > deps.lock && git commit -qam "${s}: lock"`)).exitCode).toBe(0);
    await waitFor('both commits in the shared store', () => (hasCommitObject(run, 'parx/a') && hasCommitObject(run, 'parx/b')) || undefined);
    const down = await runParx(['down'], run.root);
    expect(down.exitCode).toBe(1);
    expect(down.stdout).toContain('would conflict with base in 1 file(s)');
    expect(down.stdout).toContain('registry unreachable');
    expect(run.git('log', '--format=%s', '-1', 'parx/b').trim()).toBe('b: lock');
  });

  it('a guard killed mid-landing: the landing finishes in its own process, and a later down does not merge twice', async () => {
    const run = await up(
      { land: 'auto', verify: 'sleep 2' },
      { a: { owns: ['src/a/**'], task: 'a', agent: 'shell' }, b: { owns: ['src/b/**'], task: 'b', agent: 'shell' } },
    );
    typeIn(run, 'a', 'echo "x, done" > src/a/x.ts && git commit -qam "a: done"');
    await waitFor('a’s merge (verify under way)', () => run.events('merge').find((e) => e.session === 'a'), 20_000);
    const guardPid = Number(readFileSync(join(run.root, '.git', 'parx', 'guard.pid'), 'utf8'));
    process.kill(guardPid, 'SIGKILL');
    await waitFor('a to land all the same', () => landed(run, 'a'), 20_000);
    const down = await runParx(['down', 'a', '--json'], run.root);
    expect(JSON.parse(down.stdout).sessions[0].outcome).toMatchObject({ kind: 'in-base' });
    expect(run.events('merge').filter((e) => e.session === 'a')).toHaveLength(1);
    expect(
      run
        .git('log', '--format=%s', 'main')
        .split('\n')
        .filter((l) => l === 'parx: merge a'),
    ).toHaveLength(1);
  });
});
