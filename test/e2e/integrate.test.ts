import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDownFixture, type DownFixture, readEvents } from '../helpers/fixture.js';
import { semanticConflict } from '../helpers/integrate-fixture.js';
import { runParx } from '../helpers/parx.js';

/**
 * `parx integrate`: every session's committed tip merged onto base in queue order in a scratch
 * worktree, verify run on the result, and the first breaking session found by bisection, with
 * real git and real verify commands (node's test runner), never touching base, a branch or a
 * session's worktree.
 */

const integrate = (fx: DownFixture, ...args: string[]) => runParx(['integrate', ...args], fx.root);
const integrateJson = async (fx: DownFixture, ...args: string[]) => {
  const result = await integrate(fx, ...args, '--json');
  return { exitCode: result.exitCode, json: JSON.parse(result.stdout), stderr: result.stderr };
};

/** Every ref, every worktree's HEAD and status, and base: what integrate must never change. */
function snapshot(fx: DownFixture) {
  return {
    refs: fx.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/parx'),
    worktrees: ['lib', 'app', 'docs'].map((s) => `${fx.gitIn(s, 'rev-parse', 'HEAD')}${fx.gitIn(s, 'status', '--porcelain', '-uall')}`),
    main: fx.git('rev-parse', 'HEAD') + fx.git('status', '--porcelain', '-uall'),
  };
}

describe('parx integrate', () => {
  it('names the session that breaks verify and the one it breaks with, when merge-tree calls every merge clean', async () => {
    const fx = semanticConflict();
    fx.writeIn('app', 'src/app/notes.txt', 'not committed\n');
    // git sees no conflict anywhere: status predicts every merge clean.
    const status = JSON.parse((await runParx(['status', '--json'], fx.root)).stdout);
    expect(status.sessions.map((s: { mergeable: boolean }) => s.mergeable)).toEqual([true, true, true]);
    expect(status.forecast).toEqual([]);
    const before = snapshot(fx);

    const { exitCode, json } = await integrateJson(fx);
    expect(exitCode).toBe(1);
    expect(json.order).toEqual(['lib', 'app', 'docs']);
    expect(json.breaking).toMatchObject({ session: 'app', after: ['lib'], alone: null, step: 2, exitCode: 1 });
    expect(json.breaking.files).toContain('src/app/main.test.mjs');
    expect(json.breaking.outputTail.join('\n')).toMatch(/not ok/);
    expect(json.sessions).toEqual({
      lib: { kind: 'integrates' },
      app: { kind: 'breaks', step: 2, after: ['lib'], alone: null },
      docs: { kind: 'untested', because: 'it comes after app, which breaks verify' },
    });
    // Uncommitted work is tolerated: the committed tip is integrated, and that is said.
    expect(json.uncommitted).toEqual({ app: 1 });
    // 3 steps: the whole queue, then ⌈log2 3⌉ = 2 at most.
    expect(json.verifyRuns).toEqual({ find: expect.any(Number), attribute: 0 });
    expect(json.verifyRuns.find).toBeLessThanOrEqual(3);
    expect(snapshot(fx)).toEqual(before);

    // --pinpoint proves it: app passes on base alone (one more run).
    const human = await integrate(fx, '--pinpoint');
    expect(human.stdout).toContain('app breaks verify at step 2 of the queue, after lib (it passes on base alone)');
    expect(human.stdout).toContain('app: 1 uncommitted file(s) in its worktree were left out');

    // status shows the result per session, until a tip moves.
    const after = JSON.parse((await runParx(['status', '--json'], fx.root)).stdout);
    const integration = (name: string) => after.sessions.find((s: { name: string }) => s.name === name).integration;
    expect(integration('app')).toMatchObject({ result: 'breaks', text: 'breaks verify at step 2 (after lib)', stale: null });
    expect(integration('lib')).toMatchObject({ result: 'integrates', stale: null });
    fx.commitIn('app', { 'src/app/main.mjs': "import { salute } from '../lib/greet.mjs';\nexport const hello = () => salute('app');\n" }, 'call salute');
    const moved = JSON.parse((await runParx(['status', '--json'], fx.root)).stdout);
    expect(moved.sessions.find((s: { name: string }) => s.name === 'app').integration.stale).toBe('tip moved since');
    expect((await runParx(['status'], fx.root)).stdout).toMatch(/app .*stale: tip moved since/);

    // Fixed: the whole run integrates, with one verify run.
    const fixed = await integrate(fx);
    expect(fixed.exitCode).toBe(0);
    expect(fixed.stdout).toMatch(/The whole run integrates: 3 session\(s\), verify passed in \d+\.\d s\./);
    const events = readEvents<{ ok: boolean; breaking: { session: string } | null; verifyRuns: { find: number; attribute: number } }>(fx.root, 'integrate');
    expect(events.map((e) => [e.ok, e.breaking?.session ?? null, e.verifyRuns.attribute])).toEqual([
      [false, 'app', 0],
      [false, 'app', 1],
      [true, null, 0],
    ]);
    expect(events.at(-1)?.verifyRuns).toEqual({ find: 1, attribute: 0 });
  });

  it('finds the breaking session of 8 in ⌈log2 8⌉+1 verify runs, and with --pinpoint what it breaks with in a few more', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `s${i + 1}`);
    // verify is a real program reading the merged tree: it fails when s6's file is there,
    // and (second run) only when s6's file and s3's are both there.
    const check = (needs: string[]) =>
      `node -e "const fs=require('fs');fs.appendFileSync(process.env.VERIFY_LOG,'run\\n');process.exit(${needs.map((n) => `fs.existsSync('src/${n}/x.txt')`).join('&&')}?1:0)"`;
    const fx = createDownFixture(Object.fromEntries(names.map((n) => [n, { owns: [`src/${n}/**`] }])), { verify: check(['s6']) });
    for (const n of names) {
      fx.start(n);
      fx.commitIn(n, { [`src/${n}/x.txt`]: `${n}\n` });
    }
    const log = join(fx.parent, 'verify.log');
    const env = { VERIFY_LOG: log };
    const plain = JSON.parse((await runParx(['integrate', '--json'], fx.root, env)).stdout);
    // Without --pinpoint: found in ⌈log2 8⌉+1 runs, nothing more; the failure names no file, so every session before it is a suspect.
    expect(plain.breaking).toMatchObject({ session: 's6', step: 6, after: ['s1', 's2', 's3', 's4', 's5'], alone: null });
    expect(plain.verifyRuns).toEqual({ find: expect.any(Number), attribute: 0 });
    expect(plain.verifyRuns.find).toBeLessThanOrEqual(4);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(plain.verifyRuns.find);
    rmSync(log);

    const alone = JSON.parse((await runParx(['integrate', '--json', '--pinpoint'], fx.root, env)).stdout);
    expect(alone.breaking).toMatchObject({ session: 's6', step: 6, after: [], alone: true });
    expect(alone.sessions.s6).toEqual({ kind: 'breaks', step: 6, after: [], alone: true });
    expect(alone.verifyRuns.find).toBeLessThanOrEqual(4);
    expect(alone.verifyRuns.attribute).toBe(1);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(alone.verifyRuns.find + alone.verifyRuns.attribute);

    const config = JSON.parse(fx.read('parx.config.json'));
    writeFileSync(join(fx.root, 'parx.config.json'), JSON.stringify({ ...config, verify: check(['s3', 's6']) }));
    const together = JSON.parse((await runParx(['integrate', '--json', '--pinpoint'], fx.root, env)).stdout);
    expect(together.breaking).toMatchObject({ session: 's6', step: 6, after: ['s3'], alone: false });
    expect(together.verifyRuns.find).toBeLessThanOrEqual(4);
    // base + s6 alone, then ⌈log2 5⌉ over the five before it.
    expect(together.verifyRuns.attribute).toBeLessThanOrEqual(1 + 3);
  });

  it('names the conflicting pair and files, integrates the rest, and says when verify fails on base itself', async () => {
    const fx = createDownFixture(
      { a: { owns: ['src/a/**'] }, b: { owns: ['src/b/**'] }, c: { owns: ['src/c/**'], after: ['b'] }, d: { owns: ['src/d/**'] } },
      { shared: ['src/shared/**'], verify: 'test -f README.md' },
    );
    for (const s of ['a', 'b', 'c', 'd']) fx.start(s);
    fx.commitIn('a', { 'src/shared/db.ts': 'export const db = 2;\n' });
    fx.commitIn('b', { 'src/shared/db.ts': 'export const db = 3;\n' });
    fx.commitIn('c', { 'src/c/x.ts': 'c\n' });
    fx.commitIn('d', { 'src/d/x.ts': 'd\n' });
    const { exitCode, json } = await integrateJson(fx);
    expect(exitCode).toBe(1);
    expect(json.conflicts).toEqual([{ session: 'b', with: 'a', files: ['src/shared/db.ts'] }]);
    expect(json.sessions).toMatchObject({
      a: { kind: 'integrates' },
      b: { kind: 'conflicts', with: 'a' },
      c: { kind: 'untested', because: 'it merges after b, which conflicts' },
      d: { kind: 'integrates' },
    });
    expect((await integrate(fx)).stdout).toContain('b conflicts with a in src/shared/db.ts');

    fx.git('rm', '-q', 'README.md');
    fx.git('commit', '-q', '-m', 'no readme');
    const broken = await integrateJson(fx, 'd');
    expect(broken.exitCode).toBe(1);
    expect(broken.json.breaking).toBeNull();
    expect(broken.json.baseFails).toMatchObject({ exitCode: 1 });
    expect(broken.json.sessions).toEqual({ d: { kind: 'untested', because: 'verify fails on base itself' } });
  });

  it('merges only, with no verify; a subset brings what it merges after; --keep leaves the breaking merge to inspect', async () => {
    const fx = semanticConflict({ verify: undefined }, { app: { owns: ['src/app/**'], after: ['lib'] } });
    const mergeOnly = await integrate(fx);
    expect(mergeOnly.exitCode).toBe(0);
    expect(mergeOnly.stdout).toContain('The whole run integrates: 3 session(s) merge cleanly (no verify is configured: merge only).');
    expect(existsSync(join(fx.root, '.git/parx/integrate/tree'))).toBe(false);

    const config = JSON.parse(fx.read('parx.config.json'));
    writeFileSync(join(fx.root, 'parx.config.json'), JSON.stringify({ ...config, verify: 'node --test' }));
    const subset = await integrate(fx, '--sessions', 'app', '--keep');
    expect(subset.exitCode).toBe(1);
    expect(subset.stdout).toContain('in merge order: lib → app (with lib, which the named sessions merge after)');
    const scratch = join(fx.root, '.git/parx/integrate/tree');
    expect(subset.stdout).toContain(`left at main + lib + app`);
    expect(readFileSync(join(scratch, 'src/app/main.mjs'), 'utf8')).toContain('greet');
    expect(readFileSync(join(scratch, 'src/lib/greet.mjs'), 'utf8')).toContain('salute');
    expect(existsSync(join(scratch, 'docs/guide.md'))).toBe(false);
    // The scratch worktree is parx's own: detached, on no branch.
    expect(fx.git('worktree', 'list', '--porcelain')).toMatch(/worktree .*\.git\/parx\/integrate\/tree\nHEAD [0-9a-f]+\ndetached/);

    // The next run verifies exactly its own tree: app's files left there by --keep (whose test
    // fails) are gone before verify runs; the scratch worktree is reused, not made again.
    writeFileSync(join(scratch, 'src/app/leftover.test.mjs'), "import { test } from 'node:test';\ntest('left', () => { throw new Error('leftover'); });\n");
    const libOnly = await integrate(fx, 'lib');
    expect(libOnly.exitCode).toBe(0);
    expect(existsSync(join(scratch, 'src/app'))).toBe(false);
    expect(fx.git('worktree', 'list').trim().split('\n')).toHaveLength(5);
  });

  it('runs setup once in the scratch worktree, keeps what it installed, and refuses a second integrate at the same time', async () => {
    const setupLog = 'setup.log';
    const fx = createDownFixture(
      { a: { owns: ['src/a/**'] } },
      { setup: `echo ran >> "$SETUP_LOG" && mkdir -p node_modules && echo ok > node_modules/dep.txt`, verify: 'test -f node_modules/dep.txt' },
    );
    fx.write('.gitignore', 'node_modules/\n');
    fx.git('add', '-A');
    fx.git('commit', '-q', '-m', 'ignore deps');
    fx.start('a');
    fx.commitIn('a', { 'src/a/x.ts': 'a\n' });
    const env = { SETUP_LOG: join(fx.parent, setupLog) };
    expect((await runParx(['integrate'], fx.root, env)).exitCode).toBe(0);
    fx.commitIn('a', { 'src/a/y.ts': 'a\n' });
    expect((await runParx(['integrate'], fx.root, env)).exitCode).toBe(0);
    expect(readFileSync(join(fx.parent, setupLog), 'utf8')).toBe('ran\n');

    writeFileSync(join(fx.root, '.git/parx/integrate/lock'), JSON.stringify({ pid: process.pid, command: 'integrate' }));
    const refused = await runParx(['integrate'], fx.root, env);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`another parx integrate is running on this repository (pid ${process.pid})`);
  });

  it('down says first that the last integration flagged a session on these very tips, then verify evicts it', async () => {
    const fx = semanticConflict();
    expect((await integrate(fx)).exitCode).toBe(1);
    const down = await fx.down();
    expect(down.exitCode).toBe(1);
    const warning = down.stdout.indexOf('app: breaks verify at step 2 (after lib)');
    expect(warning).toBeGreaterThan(0);
    expect(down.stdout.indexOf('flagged, on these very tips and base')).toBeLessThan(warning);
    expect(down.stdout.indexOf('evicted')).toBeGreaterThan(warning);
    expect(down.stdout).toMatch(/✗ app +evicted/);
  });

  it('rejects bad usage with exit 2', async () => {
    const fx = semanticConflict();
    const unknown = await integrate(fx, 'nope');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown session nope');
    const config = JSON.parse(fx.read('parx.config.json'));
    writeFileSync(join(fx.root, 'parx.config.json'), JSON.stringify({ ...config, integrate: { every: 'often' } }));
    const bad = await integrate(fx);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('integrate.every');
  });
});
