import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { skipSandboxSuite } from '../helpers/bwrap.js';
import { createRunFixture, hasCommitObject, type RunFixture } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { inSandbox } from '../helpers/sandbox-shell.js';
import { killTmuxServer } from '../helpers/tmux.js';

/**
 * `parx review`: a reviewer that can change nothing but its answer, verdicts bound to the tip,
 * the loop back to the author, the human's verdicts, and the gate in `down`. Reviewers here are
 * test/helpers/stand-in-reviewer.sh in one of its modes; the real Claude Code reviewer is in
 * test/real/claude.test.ts.
 */

const REVIEWER = fileURLToPath(new URL('../helpers/stand-in-reviewer.sh', import.meta.url));
const reviewer = (mode: string) => `sh '${REVIEWER}' ${mode}`;

afterEach(killTmuxServer);

interface Verdict {
  session: string;
  tip: string;
  base: string;
  round: number;
  verdict: 'pass' | 'changes' | 'error';
  by: 'agent' | 'human';
  findings: Array<{ file: string; line?: number; severity: string; text: string }>;
  summary: string;
}

/** Sessions a and b (shell agents) up, a with one commit made in its own sandbox; review as `review` says. */
async function startRun(review: Record<string, unknown>, upEnv: Record<string, string> = {}): Promise<{ run: RunFixture; tip: string }> {
  const files = { 'README.md': '# shop\n', 'src/a/x.ts': 'x\n', 'src/b/y.ts': 'y\n' };
  const run = createRunFixture(
    { a: { owns: ['src/a/**'], task: 'Make x better.', agent: 'shell' }, b: { owns: ['src/b/**'], task: 'Wait.', agent: 'shell' } },
    { tmuxSession: 'review', review },
    files,
  );
  const up = await runParx(['up', '--detach'], run.root, upEnv);
  expect(up.exitCode, up.stderr + up.stdout).toBe(0);
  const tip = await commitInA(run, 'echo "x, better" > src/a/x.ts && git commit -qam "a: better x"');
  return { run, tip };
}

async function commitInA(run: RunFixture, script: string): Promise<string> {
  const before = run.git('rev-parse', 'parx/a').trim();
  const r = await inSandbox(run, 'a', script);
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  return waitFor('a’s commit in the shared store', () => {
    const tip = run.git('rev-parse', 'parx/a').trim();
    return tip !== before && hasCommitObject(run, 'parx/a') ? tip : undefined;
  });
}

const recordOf = (run: RunFixture, round: number, what: string) => readFileSync(join(run.records, `review-a-${round}.${what}`), 'utf8');
const envOf = (run: RunFixture, round: number) =>
  Object.fromEntries(
    recordOf(run, round, 'env')
      .trim()
      .split('\n')
      .map((l) => l.split(/=(.*)/s).slice(0, 2)),
  );

describe.skipIf(skipSandboxSuite)('parx review', () => {
  it('a hostile reviewer changes nothing: author’s worktree and branch, base, main checkout, every ref; its verdict still arrives', async () => {
    const { run, tip } = await startRun({ agent: reviewer('hostile'), auto: false });
    run.writeIn('a', 'src/a/draft.ts', 'draft, untracked\n');
    const env = { AUTHOR_WT: run.worktree('a'), MAIN_ROOT: run.root };
    const snapshot = () => ({
      refs: run.git('for-each-ref', '--format=%(refname) %(objectname)'),
      head: run.git('rev-parse', 'HEAD'),
      main: run.git('status', '--porcelain', '--untracked-files=all'),
      mainReadme: readFileSync(join(run.root, 'README.md'), 'utf8'),
      author: run.gitIn('a', 'status', '--porcelain', '--untracked-files=all'),
      authorHead: run.gitIn('a', 'rev-parse', 'HEAD'),
      authorFiles: ['src/a/x.ts', 'src/a/draft.ts'].map((f) => readFileSync(join(run.worktree('a'), f), 'utf8')),
      branches: run.git('branch', '--list'),
    });
    const before = snapshot();

    const result = await runParx(['review', 'a', '--json'], run.root, env);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    const json = JSON.parse(result.stdout) as { ok: boolean; reviews: Verdict[] };
    expect(json.ok).toBe(true);
    expect(json.reviews).toEqual([expect.objectContaining({ session: 'a', tip, round: 1, verdict: 'pass', by: 'agent', summary: 'nothing to add' })]);
    // Every attack was refused, and everything is as it was.
    const attacks = recordOf(run, 1, 'attacks').trim().split('\n');
    expect(attacks).toHaveLength(10);
    expect(attacks.filter((a) => !a.endsWith(' refused'))).toEqual([]);
    expect(snapshot()).toEqual(before);
    // It reviewed a checkout of its own at the tip, with the facts in its environment.
    const seen = envOf(run, 1);
    expect(seen).toMatchObject({ session: 'a', tip, head: tip, round: '1', base: run.git('rev-parse', 'main').trim() });
    expect(seen.cwd).not.toBe(run.worktree('a'));
    expect(seen.cwd.startsWith(join(run.root, '.git', 'parx', 'reviews', 'rooms'))).toBe(true);
    // The room is gone with the review, and so is git's record of its checkout.
    expect(readdirSync(join(run.root, '.git', 'parx', 'reviews', 'rooms'))).toEqual([]);
    expect(run.git('worktree', 'list')).not.toContain('rooms');
    expect(run.events('review')).toEqual([expect.objectContaining({ session: 'a', tip, round: 1, verdict: 'pass', by: 'agent', findings: [] })]);
  });

  it('the prompt holds the task, the range, the ownership, the instructions and how to answer', async () => {
    const { run, tip } = await startRun({ agent: reviewer('pass'), auto: false, instructions: 'Look for missing error handling.' });
    expect((await runParx(['review', 'a'], run.root)).exitCode).toBe(0);
    const prompt = recordOf(run, 1, 'prompt');
    const base = run.git('rev-parse', 'main').trim();
    for (const text of ['Make x better.', `git diff ${base}...${tip}`, 'src/a/**', 'Look for missing error handling.', 'review submit --pass'])
      expect(prompt).toContain(text);
  });

  it('changes: findings reach the author, down refuses with them (dry run first), a new commit makes the verdict stale, a pass lands it', async () => {
    const { run, tip } = await startRun({ agent: reviewer('changes'), auto: false });
    const review = await runParx(['review', '--json'], run.root);
    expect(review.exitCode, review.stderr).toBe(1);
    const [verdict] = (JSON.parse(review.stdout) as { reviews: Verdict[] }).reviews;
    expect(verdict).toMatchObject({ verdict: 'changes', tip, summary: 'two things' });
    expect(verdict!.findings).toEqual([
      { file: 'src/a/x.ts', line: 1, severity: 'major', text: 'x must be y' },
      { file: 'src/a/x.ts', severity: 'nit', text: 'a comment' },
    ]);
    // A shell agent has no turn boundary: the findings are kept for the human to pass on.
    const notes = readFileSync(join(run.root, '.git', 'parx', 'notes', 'a.jsonl'), 'utf8');
    expect(notes).toContain('src/a/x.ts:1 [major] x must be y');

    const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as {
      sessions: Array<{ name: string; review: unknown; needsHuman: unknown }>;
    };
    expect(status.sessions.find((s) => s.name === 'a')).toMatchObject({ review: { verdict: 'changes', tip, round: 1, stale: false }, needsHuman: null });
    expect(status.sessions.find((s) => s.name === 'b')).toMatchObject({ review: null, needsHuman: null });
    expect((await runParx(['status'], run.root)).stdout).toMatch(/a\s.*changes 2/);

    const dry = await runParx(['down', '--dry-run', '--json'], run.root);
    expect(dry.exitCode).toBe(1);
    const refusal = (JSON.parse(dry.stdout) as { sessions: Array<{ name: string; outcome: { refusals: Array<{ kind: string }> } }> }).sessions.find(
      (s) => s.name === 'a',
    )!.outcome.refusals[0];
    expect(refusal).toMatchObject({ kind: 'review', verdict: 'changes', stale: false, findings: verdict!.findings });
    const down = await runParx(['down'], run.root);
    expect(down.exitCode).toBe(1);
    expect(down.stdout).toContain('its review asks for changes (2 finding(s))');
    expect(down.stdout).toContain('src/a/x.ts:1 [major] x must be y');
    expect(run.git('rev-parse', 'main').trim()).not.toBe(tip);

    // The author commits again: the verdict no longer speaks for the tip.
    const next = await commitInA(run, 'echo y > src/a/x.ts && git commit -qam "a: x is y"');
    const stale = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { sessions: Array<{ name: string; review: { stale: boolean } }> };
    expect(stale.sessions[0]!.review.stale).toBe(true);
    expect((await runParx(['status'], run.root)).stdout).toMatch(/a\s.*stale/);
    expect((await runParx(['down', '--dry-run'], run.root)).stdout).toContain('its review is stale');

    // The human decides instead: show, then approve the tip shown. It lands.
    const show = await runParx(['review', 'show', 'a', '--json'], run.root);
    expect(show.exitCode).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ session: 'a', tip: next, review: { verdict: 'changes', stale: true }, round: 1, needsHuman: false });
    expect(JSON.parse(show.stdout).diffStat.join('\n')).toContain('src/a/x.ts');
    const approve = await runParx(['review', 'approve', 'a', '--why', 'x is y now'], run.root);
    expect(approve.exitCode, approve.stderr).toBe(0);
    expect(run.events('review').at(-1)).toMatchObject({ session: 'a', tip: next, verdict: 'pass', by: 'human', round: 2 });
    const landed = await runParx(['down'], run.root);
    expect(landed.exitCode, landed.stdout + landed.stderr).toBe(0);
    expect(run.git('show', 'main:src/a/x.ts')).toBe('y\n');
  });

  it('after `rounds` verdicts of changes or error it needs a human: event, status, no more automatic reviews; a human verdict clears it', async () => {
    const { run } = await startRun({ agent: reviewer('crash'), auto: false, rounds: 2 });
    const first = JSON.parse((await runParx(['review', '--json'], run.root)).stdout) as { reviews: Verdict[] };
    expect(first.reviews[0]).toMatchObject({ verdict: 'error', round: 1 });
    expect(first.reviews[0]!.summary).toContain('without `parx review submit`');
    await commitInA(run, 'echo z > src/a/x.ts && git commit -qam "a: z"');
    const second = await runParx(['review'], run.root);
    expect(second.exitCode).toBe(1);
    expect(second.stdout).toContain('needs a human');
    expect(run.events('needs-human')).toEqual([expect.objectContaining({ session: 'a', reason: expect.stringContaining('2 review(s) in a row') })]);
    const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { sessions: Array<{ needsHuman: string | null }> };
    expect(status.sessions[0]!.needsHuman).toContain('parx review show');
    expect((await runParx(['status'], run.root)).stdout).toMatch(/a\s.*needs human/);

    // A new commit: no automatic review any more (the guard's `--auto`, and `parx review` without names).
    await commitInA(run, 'echo w > src/a/x.ts && git commit -qam "a: w"');
    expect((await runParx(['review', 'a', '--auto'], run.root)).stdout).toContain('it needs a human');
    expect((await runParx(['review'], run.root)).stdout).toContain('Nothing to review');
    expect(run.events('review')).toHaveLength(2);

    // The human rejects: the author hears why, and the count starts again.
    await runParx(['review', 'show', 'a'], run.root);
    const reject = await runParx(['review', 'reject', 'a', '--why', 'use the shared parser'], run.root);
    expect(reject.exitCode, reject.stderr).toBe(0);
    expect(readFileSync(join(run.root, '.git', 'parx', 'notes', 'a.jsonl'), 'utf8')).toContain('use the shared parser');
    const after = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as {
      sessions: Array<{ needsHuman: string | null; review: { verdict: string; by: string } }>;
    };
    expect(after.sessions[0]).toMatchObject({ needsHuman: null, review: { verdict: 'changes', by: 'human' } });
  });

  it('a reviewer that ends without answering, crashes or runs out of time gives error, never a pass', async () => {
    const { run } = await startRun({ agent: reviewer('silent'), auto: false, required: true, timeout: '2s' });
    const silent = JSON.parse((await runParx(['review', '--json'], run.root)).stdout) as { ok: boolean; reviews: Verdict[] };
    expect(silent).toMatchObject({ ok: false, reviews: [{ verdict: 'error' }] });
    expect((await runParx(['down', '--dry-run'], run.root)).stdout).toContain('its review failed');
    const config = JSON.parse(run.read('parx.config.json'));
    config.review.agent = reviewer('slow');
    run.write('parx.config.json', JSON.stringify(config));
    // The run keeps the config it started with: `up` applies the change.
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    const slow = await runParx(['review', 'a', '--json'], run.root);
    expect(slow.exitCode).toBe(1);
    expect((JSON.parse(slow.stdout) as { reviews: Verdict[] }).reviews[0]).toMatchObject({ verdict: 'error' });
    expect((JSON.parse(slow.stdout) as { reviews: Verdict[] }).reviews[0]!.summary).toContain('did not answer within 2s');
  });

  it('bad input: unknown session, no commits, submit outside a reviewer, malformed findings, approve after the tip moved', async () => {
    const { run } = await startRun({ agent: reviewer('malformed'), auto: false });
    const ghost = await runParx(['review', 'ghost'], run.root);
    expect(ghost.exitCode).toBe(2);
    expect(ghost.stderr).toContain('unknown session ghost');
    const empty = await runParx(['review', 'b'], run.root);
    expect(empty.exitCode).toBe(1);
    expect(empty.stderr).toContain('cannot review b: it has no commits to review');
    const outside = await runParx(['review', 'submit', '--pass'], run.root);
    expect(outside.exitCode).toBe(2);
    expect(outside.stderr).toContain('runs inside a reviewer that `parx review` started');
    expect((await runParx(['review', 'show', 'ghost'], run.root)).exitCode).toBe(2);

    // Malformed findings are refused with what is wrong; the reviewer's second try counts.
    const review = await runParx(['review', 'a', '--json'], run.root);
    expect((JSON.parse(review.stdout) as { reviews: Verdict[] }).reviews[0]).toMatchObject({ verdict: 'pass', summary: 'second try' });
    expect(recordOf(run, 1, 'exit').trim()).toBe('2');
    expect(recordOf(run, 1, 'err')).toContain('severity');

    // The human looked at one tip; the author committed since: approving it would approve unseen work.
    await runParx(['review', 'show', 'a'], run.root);
    await commitInA(run, 'echo late > src/a/x.ts && git commit -qam "a: late"');
    const approve = await runParx(['review', 'approve', 'a'], run.root);
    expect(approve.exitCode).toBe(1);
    expect(approve.stderr).toContain('moved since you looked');
    expect(run.events('review').filter((e) => e.by === 'human')).toEqual([]);
  });

  it('with auto, the guard reviews a session that waits with commits no verdict covers, once per tip', async () => {
    const { run, tip } = await startRun({ agent: reviewer('pass') }, { PARX_SILENCE_SECONDS: '1', PARX_REVIEW_TICK_MS: '300' });
    await waitFor('an automatic review of a', () => run.events('review').find((e) => e.session === 'a'), 20_000);
    expect(run.events('review')[0]).toMatchObject({ session: 'a', tip, verdict: 'pass', by: 'agent' });
    // Its tip has a verdict: the guard, still ticking while a waits, starts no second review.
    const next = await commitInA(run, 'echo again > src/a/x.ts && git commit -qam "a: again"');
    await waitFor('the review of the new tip', () => run.events('review').find((e) => e.tip === next), 20_000);
    expect(run.events('review').map((e) => e.tip)).toEqual([tip, next]);
    // b has no commits: never reviewed.
    expect(run.events('review').filter((e) => e.session === 'b')).toEqual([]);
  });
});
