import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, readEvents, type RunFixture } from '../helpers/fixture.js';
import { killGuards, startGuard, waitForGuardToWatch, type GuardEventLine } from '../helpers/guard.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';

afterEach(async () => {
  killGuards();
  await killTmuxServer();
});

async function startedRun(extra: Record<string, unknown> = {}): Promise<RunFixture> {
  const run = createRunFixture(
    {
      auth: { owns: ['src/auth/**'], task: 'Wait.' },
      payments: { owns: ['src/payments/**'], task: 'Wait.' },
    },
    { shared: ['package-lock.json'], ...extra },
    {
      'README.md': '# shop\n',
      '.gitignore': 'dist/\n*.log\nnode_modules/\n',
      'package-lock.json': '{}\n',
      'src/auth/login.ts': 'export const login = 1;\n',
      'src/payments/charge.ts': 'export const charge = 1;\n',
    },
  );
  const up = await runParx(['up', '--detach'], run.root);
  expect(up.exitCode).toBe(0);
  // The grid's guard pane takes the recorder's lock as it starts.
  await waitForGuardToWatch(run.root);
  return run;
}

const write = (run: RunFixture, session: string, path: string, text = 'x\n') => {
  const file = join(run.worktree(session), path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
};
const violation = (session: string, path: string) => (e: GuardEventLine) => e.type === 'violation' && e.session === session && e.path === path;

describe('parx guard', () => {
  it("does not call sed -i's temporary file a violation when it is renamed over the file at once; one that stays is flagged", async () => {
    const run = await startedRun();
    const guard = await startGuard(run.root);
    // What `sed -i README.md` does beside a file at the root: write sedXXXXXX, rename it over
    // (on a loaded machine, tens of milliseconds later).
    for (let i = 0; i < 5; i++) {
      write(run, 'auth', `sedTmp00${i}`, `# shop ${i}\n`);
      await new Promise((r) => setTimeout(r, 60));
      renameSync(join(run.worktree('auth'), `sedTmp00${i}`), join(run.worktree('auth'), `src/auth/copy${i}.ts`));
    }
    write(run, 'auth', 'sedStays', 'left behind\n');
    await guard.waitForEvent('the file that stayed', violation('auth', 'sedStays'));
    write(run, 'auth', 'src/payments/refund.ts');
    await guard.waitForEvent('a later trespass', violation('auth', 'src/payments/refund.ts'));
    expect(guard.events.filter((e) => e.type === 'violation' && String(e.path).startsWith('sedTmp'))).toEqual([]);
  });

  it('flags trespass and outside writes at once, and nothing for owned, shared or ignored paths', async () => {
    const run = await startedRun();
    const guard = await startGuard(run.root);

    write(run, 'auth', 'src/auth/new.ts');
    write(run, 'auth', 'package-lock.json', '{"a":1}\n');
    write(run, 'auth', 'dist/bundle.js');
    write(run, 'auth', 'debug.log');
    write(run, 'auth', 'node_modules/left-pad/index.js');
    write(run, 'auth', 'src/payments/refund.ts');
    expect(await guard.waitForEvent('the trespass', violation('auth', 'src/payments/refund.ts'))).toMatchObject({
      type: 'violation',
      session: 'auth',
      path: 'src/payments/refund.ts',
      kind: 'trespass',
      owner: 'payments',
      change: 'add',
      time: expect.any(String),
    });
    write(run, 'payments', 'README.md', '# changed\n');
    expect(await guard.waitForEvent('the outside change', violation('payments', 'README.md'))).toMatchObject({ kind: 'outside', change: 'change' });
    expect(guard.events.filter((e) => e.type === 'violation').map((e) => e.path)).toEqual(['src/payments/refund.ts', 'README.md']);

    // A rename across ownership counts on both sides; only the side outside ownership is a violation.
    renameSync(join(run.worktree('payments'), 'src/payments/charge.ts'), join(run.worktree('payments'), 'src/auth/charge.ts'));
    expect(await guard.waitForEvent('the renamed file', violation('payments', 'src/auth/charge.ts'))).toMatchObject({
      kind: 'trespass',
      owner: 'auth',
      change: 'add',
    });
    rmSync(join(run.worktree('auth'), 'README.md'));
    expect(await guard.waitForEvent('the deletion', violation('auth', 'README.md'))).toMatchObject({ kind: 'outside', change: 'unlink' });
    // payments changed README.md too: the same path changed in two worktrees is a collision…
    expect(await guard.waitForEvent('the README collision', (e) => e.type === 'collision' && e.path === 'README.md')).toMatchObject({
      sessions: ['auth', 'payments'],
    });
    // …even when the path is shared.
    write(run, 'payments', 'package-lock.json', '{"b":2}\n');
    expect(await guard.waitForEvent('the shared collision', (e) => e.type === 'collision' && e.path === 'package-lock.json')).toMatchObject({
      sessions: ['auth', 'payments'],
    });

    const stopped = await guard.stop();
    expect(stopped.exitCode).toBe(143);
    // The grid's guard pane is the one that records: each violation once in events.jsonl.
    expect(guard.events[0]).toMatchObject({ type: 'role', role: 'observer' });
    const recorded = () =>
      readEvents(run.root)
        .filter((e) => e.type === 'violation')
        .map((e) => `${e.session}:${e.path}`);
    await waitFor('the events to be recorded', () => (recorded().length >= 4 ? true : undefined));
    expect(recorded().sort()).toEqual(['auth:README.md', 'auth:src/payments/refund.ts', 'payments:README.md', 'payments:src/auth/charge.ts']);
  });

  it('with guard.watcher: poll, finds writes by stat-polling every file (for file systems without kernel events)', async () => {
    const run = await startedRun({ guard: { watcher: 'poll' } });
    const guard = await startGuard(run.root);
    expect(guard.events.find((e) => e.type === 'ready')).toMatchObject({ watcher: 'poll', sessions: ['auth', 'payments'] });
    write(run, 'auth', 'src/auth/new.ts');
    write(run, 'auth', 'dist/bundle.js');
    write(run, 'auth', 'src/payments/refund.ts');
    expect(await guard.waitForEvent('the trespass', violation('auth', 'src/payments/refund.ts'))).toMatchObject({
      kind: 'trespass',
      owner: 'payments',
      change: 'add',
      source: 'watch',
    });
    write(run, 'payments', 'README.md', '# changed\n');
    expect(await guard.waitForEvent('the outside change', violation('payments', 'README.md'))).toMatchObject({
      kind: 'outside',
      change: 'change',
      source: 'watch',
    });
    rmSync(join(run.worktree('payments'), 'src/payments/charge.ts'));
    write(run, 'auth', 'src/auth/deep/er/file.ts');
    write(run, 'auth', 'src/payments/deep/other.ts');
    expect(await guard.waitForEvent('the trespass in a new folder', violation('auth', 'src/payments/deep/other.ts'))).toMatchObject({ kind: 'trespass' });
    // Owned, ignored and deleted-own files are no violation.
    expect(guard.events.filter((e) => e.type === 'violation').map((e) => `${e.session}:${e.path}`)).toEqual([
      'auth:src/payments/refund.ts',
      'payments:README.md',
      'auth:src/payments/deep/other.ts',
    ]);
    await guard.stop();
  });

  it('does not mistake an atomic save (write temp, rename over) for a change to the temp path', async () => {
    const run = await startedRun();
    const guard = await startGuard(run.root);
    const worktree = run.worktree('auth');
    // Temp files next to the target, as editors and agents make them (a temp file at the root,
    // outside any ownership, would count if the writer were descheduled for longer than the
    // settle time between write and rename: the file really existed).
    for (let i = 0; i < 20; i++) {
      writeFileSync(join(worktree, `src/auth/.login.ts.${i}.tmp`), `v${i}\n`);
      renameSync(join(worktree, `src/auth/.login.ts.${i}.tmp`), join(worktree, 'src/auth/login.ts'));
    }
    write(run, 'auth', 'sentinel.txt');
    await guard.waitForEvent('the sentinel', violation('auth', 'sentinel.txt'));
    expect(guard.events.filter((e) => e.type === 'violation').map((e) => e.path)).toEqual(['sentinel.txt']);
  });

  it('finds on start what was done while no guard ran, committed or not', async () => {
    const run = await startedRun();
    write(run, 'auth', 'src/payments/early.ts');
    execGit(run.worktree('auth'), 'add', '-A');
    execGit(run.worktree('auth'), 'commit', '-q', '-m', 'trespass');
    write(run, 'payments', 'notes/todo.md');
    const guard = await startGuard(run.root);
    const ready = guard.events.findIndex((e) => e.type === 'ready');
    const before = guard.events.slice(0, ready);
    expect(before).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'violation', session: 'auth', path: 'src/payments/early.ts', kind: 'trespass', source: 'git' }),
        expect.objectContaining({ type: 'violation', session: 'payments', path: 'notes/todo.md', kind: 'outside', source: 'git' }),
      ]),
    );
    // Reported once: a later write to the same path is not a new violation.
    write(run, 'auth', 'src/payments/early.ts', 'again\n');
    write(run, 'auth', 'later.txt');
    await guard.waitForEvent('a later violation', violation('auth', 'later.txt'));
    expect(guard.events.filter(violation('auth', 'src/payments/early.ts'))).toHaveLength(1);
  });

  it('misses nothing in a burst of writes', async () => {
    const run = await startedRun();
    const guard = await startGuard(run.root);
    for (let i = 0; i < 2000; i++) write(run, 'auth', `src/auth/gen/f${i}.ts`);
    for (let i = 0; i < 300; i++) write(run, 'payments', `outside/f${i}.txt`);
    await waitFor('300 violations', () => (guard.events.filter((e) => e.type === 'violation').length >= 300 ? true : undefined), 30_000);
    const paths = new Set(guard.events.filter((e) => e.type === 'violation').map((e) => e.path));
    expect(paths.size).toBe(300);
    expect([...paths].every((p) => p!.startsWith('outside/'))).toBe(true);
  });

  it('follows a worktree that is removed and added again', async () => {
    const run = await startedRun();
    const guard = await startGuard(run.root);
    expect(guard.events[0]).toMatchObject({ type: 'role', role: 'observer' });
    // The pane's guard goes with the tmux server; this one takes over recording.
    tmuxOut('kill-server');
    await guard.waitForEvent('this guard to record', (e) => e.type === 'role' && e.role === 'recorder');
    run.git('worktree', 'remove', run.worktree('payments'));
    await guard.waitForEvent('payments to be gone', (e) => e.type === 'watch' && e.session === 'payments' && e.state === 'gone');
    expect((await runParx(['up', '--detach', 'payments'], run.root)).exitCode).toBe(0);
    await guard.waitForEvent('payments to be watched again', (e) => e.type === 'watch' && e.session === 'payments' && e.state === 'watching');
    write(run, 'payments', 'src/auth/x.ts');
    await guard.waitForEvent('a violation in the new worktree', violation('payments', 'src/auth/x.ts'));
  });

  it('takes up a worktree a later up adds only once that up has recorded it filled (files still to come are not deletions)', async () => {
    const run = halfFillableRun();
    expect((await runParx(['up', '--detach', 'auth'], run.root)).exitCode).toBe(0);
    await waitForGuardToWatch(run.root, ['auth']);
    await upWebWhileItsCheckoutIsHeld(run);
  });

  it('takes up a worktree up makes again for a session the run lists only once it is filled again', async () => {
    const run = halfFillableRun();
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    await waitForGuardToWatch(run.root, ['auth', 'web']);
    // The folder goes at once (moved away, so that the guard sees no file deleted one by one:
    // it would flag the deletions of auth's files there as web's), and git forgets the worktree.
    renameSync(run.worktree('web'), join(run.parent, 'web-gone'));
    run.git('worktree', 'prune');
    await waitFor('the guard to let web go', async () => {
      lookOnce(run);
      await waitFor("the guard's look", () => lookedAt(run));
      return readHealth(run)?.watching?.includes('web') === false ? true : undefined;
    });
    // The run still lists web: up marks it as being filled until its worktree is ready again.
    await upWebWhileItsCheckoutIsHeld(run);
  });

  it('marks the offending pane in tmux with its violation count (the guard pane of parx up)', async () => {
    const run = await startedRun();
    const pane = run.state().sessions.auth!.pane;
    // The guard pane is ready once the log says so; wait for its first announcement instead of sleeping.
    write(run, 'auth', 'one.txt');
    await waitFor('the border count 1', () => (tmuxOut('show-options', '-pqv', '-t', pane, '@parx_violations') === '1' ? true : undefined));
    write(run, 'auth', 'two.txt');
    await waitFor('the border count 2', () => (tmuxOut('show-options', '-pqv', '-t', pane, '@parx_violations') === '2' ? true : undefined));
    expect(tmuxOut('show-options', '-pqv', '-t', run.state().sessions.payments!.pane, '@parx_violations')).toBe('');
  });
});

/** auth and web; web's `src/web/slow.txt` goes through a git filter once upWebWhileItsCheckoutIsHeld sets it. */
function halfFillableRun(): RunFixture {
  return createRunFixture(
    {
      auth: { owns: ['src/auth/**', 'zz/**'], task: 'Wait.' },
      web: { owns: ['src/web/**'], task: 'Wait.' },
    },
    { guard: { sandbox: 'off' } },
    {
      '.gitattributes': 'src/web/slow.txt filter=slow\n',
      'README.md': '# shop\n',
      'src/auth/login.ts': 'export const login = 1;\n',
      'src/web/slow.txt': 'slow\n',
      'zz/after.ts': 'export const after = 1;\n',
    },
  );
}

/**
 * `parx up web` with web's checkout held half-way (zz/after.ts not yet written) by a filter on
 * src/web/slow.txt: the guard, through two looks, flags nothing; once up has recorded web, a
 * write there is flagged, and nothing else ever was.
 */
async function upWebWhileItsCheckoutIsHeld(run: RunFixture): Promise<void> {
  const blocked = join(run.parent, 'blocked');
  const release = join(run.parent, 'release');
  writeFileSync(
    join(run.parent, 'slow-filter.mjs'),
    `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(blocked)}, '');
// Released by the test; never left behind by one that failed.
for (const until = Date.now() + 30_000; !existsSync(${JSON.stringify(release)}) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(readFileSync(0));
`,
  );
  run.git('config', 'filter.slow.smudge', `node ${join(run.parent, 'slow-filter.mjs')}`);
  const violations = () => run.events('violation').slice(flaggedBefore);
  const flaggedBefore = run.events('violation').length;
  const adding = runParx(['up', '--detach', 'web'], run.root);
  try {
    await waitFor('web to be half-filled', () => (existsSync(blocked) ? true : undefined), 20_000);
    // Two looks, the second queued behind the first: once the guard has seen the second
    // state.json, the first has judged everything it found (web's worktree, with its .git).
    for (let i = 0; i < 2; i++) lookOnce(run);
    await waitFor("the guard's looks", () => lookedAt(run));
    expect(violations()).toEqual([]);
  } finally {
    writeFileSync(release, '');
  }
  expect((await adding).exitCode).toBe(0);
  write(run, 'web', 'src/auth/x.ts');
  await waitFor('a violation in web', () => violations().find((e) => e.session === 'web' && e.path === 'src/auth/x.ts'));
  expect(violations().map((e) => `${e.session} ${e.path}`)).toEqual(['web src/auth/x.ts']);
}

interface Health {
  stateSeen?: number;
  watching?: string[];
}

let lastLook = Math.ceil(Date.now() / 1000) * 1000;
/**
 * Asks the recording guard for a look: state.json's time moves on, so it reads it again and
 * writes guard.json (lookedAt). Whole seconds: a file time with a fraction of a ms may come back
 * a hair below what was set.
 */
function lookOnce(run: RunFixture): void {
  lastLook = Math.max(lastLook + 1000, Math.ceil(Date.now() / 1000) * 1000);
  const time = new Date(lastLook);
  utimesSync(join(run.root, '.git', 'parx', 'state.json'), time, time);
}

/** Whether the guard has seen the state.json of the last lookOnce. */
function lookedAt(run: RunFixture): true | undefined {
  return (readHealth(run)?.stateSeen ?? 0) >= lastLook ? true : undefined;
}

function readHealth(run: RunFixture): Health | undefined {
  try {
    return JSON.parse(readFileSync(join(run.root, '.git', 'parx', 'guard.json'), 'utf8')) as Health;
  } catch {
    return undefined;
  }
}

function execGit(cwd: string, ...args: string[]) {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}
