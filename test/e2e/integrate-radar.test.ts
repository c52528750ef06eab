import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killGuards, startGuard } from '../helpers/guard.js';
import { createRunFixture, readEvents } from '../helpers/fixture.js';
import { APP_OLD_CALL, GREET, GREET_TEST, LIB_RENAME, semanticConflict } from '../helpers/integrate-fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';

/**
 * The integration radar: the recording guard runs `parx integrate` (niced) when tips moved,
 * never while `down` holds the run lock, and announces a new breakage like a violation.
 */

afterEach(killGuards);

const integrateEvents = (root: string) => readEvents(root, 'integrate');

describe('integrate: {every}', () => {
  it('integrates in the background when tips move, niced, skips while down runs, and announces a new breakage', async () => {
    const fx = semanticConflict({
      integrate: { every: '1s' },
      verify: 'nice >> "$NICE_LOG"; node --test',
      notify: 'echo "$PARX_EVENT $PARX_SESSION $PARX_MESSAGE" >> "$NOTIFY_LOG"',
    });
    const env = { NICE_LOG: join(fx.parent, 'nice.log'), NOTIFY_LOG: join(fx.parent, 'notify.log'), PARX_RADAR_MAX_LOAD: '1000' };
    const guard = await startGuard(fx.root, env);
    const finding = await guard.waitForEvent('the radar to announce app', (e) => e.type === 'integration', 30_000);
    expect(finding).toMatchObject({ session: 'app', finding: 'breaks verify at step 2 (after lib)' });
    await waitFor('the notification', () =>
      existsSync(env.NOTIFY_LOG) && readFileSync(env.NOTIFY_LOG, 'utf8').includes('integration app') ? true : undefined,
    );
    expect(readFileSync(env.NOTIFY_LOG, 'utf8')).toContain('integration app integration: app breaks verify at step 2 (after lib)');
    // verify ran 10 steps nicer than the guard (itself a background process, niced).
    const guardNiceness = getPriority(guard.process.pid);
    expect(new Set(readFileSync(env.NICE_LOG, 'utf8').trim().split('\n'))).toEqual(new Set([String(Math.min(19, guardNiceness + 10))]));
    expect(Math.min(19, guardNiceness + 10)).toBeGreaterThan(guardNiceness);
    expect(integrateEvents(fx.root)).toHaveLength(1);

    // Nothing moved: no second run, however many ticks pass.
    const runsBefore = readFileSync(env.NICE_LOG, 'utf8');
    await new Promise((r) => setTimeout(r, 2500));
    expect(integrateEvents(fx.root)).toHaveLength(1);
    expect(readFileSync(env.NICE_LOG, 'utf8')).toBe(runsBefore);

    // A `down` holds the run lock: the radar waits, then runs once it is released.
    const lock = join(fx.root, '.git/parx/lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, command: 'down', time: new Date().toISOString() }));
    fx.commitIn('app', { 'src/app/main.mjs': "import { salute } from '../lib/greet.mjs';\nexport const hello = () => salute('app');\n" }, 'call salute');
    await new Promise((r) => setTimeout(r, 2500));
    expect(integrateEvents(fx.root)).toHaveLength(1);
    rmSync(lock);
    await waitFor('the radar to run again', () => (integrateEvents(fx.root).length === 2 ? true : undefined), 30_000);
    expect(integrateEvents(fx.root)[1]).toMatchObject({ ok: true, breaking: null });
    // Fixed is not news: one announcement in all.
    expect(guard.events.filter((e) => e.type === 'integration')).toHaveLength(1);
    // (It stops on SIGTERM even while a child process runs: it used to die by the signal then.)
    const stopped = await guard.stop();
    expect(stopped).toEqual({ exitCode: 143, stderr: '' });
  });
});

describe('the radar in a parx up grid', () => {
  afterEach(killTmuxServer);

  it('marks the breaking session’s pane border, and clears the mark once it is fixed', async () => {
    const run = createRunFixture(
      { lib: { owns: ['src/lib/**'], task: 'Wait.' }, app: { owns: ['src/app/**'], task: 'Wait.' } },
      { integrate: { every: '1s' }, verify: 'node --test' },
      { 'README.md': '# shop\n', 'src/lib/greet.mjs': GREET, 'src/lib/greet.test.mjs': GREET_TEST },
    );
    expect((await runParx(['up', '--detach'], run.root, { PARX_RADAR_MAX_LOAD: '1000' })).exitCode).toBe(0);
    const commit = (session: string, files: Record<string, string>) => {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(run.worktree(session), path)), { recursive: true });
        writeFileSync(join(run.worktree(session), path), text);
      }
      execFileSync('git', ['add', '-A'], { cwd: run.worktree(session) });
      execFileSync('git', ['commit', '-q', '-m', `work in ${session}`], { cwd: run.worktree(session) });
    };
    commit('lib', LIB_RENAME);
    commit('app', APP_OLD_CALL);
    const pane = run.state().sessions.app!.pane;
    const mark = () => tmuxOut('show-options', '-p', '-q', '-v', '-t', pane, '@parx_integration');
    await waitFor('app’s border to be marked', () => (mark() === 'breaks verify' ? true : undefined), 30_000);
    expect(tmuxOut('show-options', '-w', '-v', '-t', pane, 'pane-border-format')).toContain('@parx_integration');
    commit('app', { 'src/app/main.mjs': "import { salute } from '../lib/greet.mjs';\nexport const hello = () => salute('app');\n" });
    await waitFor('the mark to be cleared', () => (mark() === '' ? true : undefined), 30_000);
  });
});
