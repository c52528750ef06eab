import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunFixture } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';
import { expectOwnedRun, firstSessionStatus, getOwnedRunScript, makeScreenReader, OWNED_RUN, stateHistory, waitUntilWaiting } from './pane.js';
// @ts-expect-error plain ESM helpers without types
import { startAnthropicStandIn } from './anthropic-stand-in.mjs';
// @ts-expect-error plain ESM helpers without types
import { installAgents, pinnedVersion } from './install.mjs';

/**
 * The real Claude Code (version pinned in versions.json), driven offline by a stand-in of the
 * Messages API, in parx's OS sandbox, with a home folder seeded as a returning user's. Session
 * auth (Claude) owns src/auth/**, payments (a shell) owns src/payments/**. The model writes
 * payments' file (parx's hook must deny it before it happens, naming the owner to the model),
 * then an owned file (the human allows it at Claude's prompt), then ends its turn.
 */

/** Screens that would stop the pane before work starts: parx must never cause one. */
const SCREENS: Record<string, RegExp> = {
  'folder trust': /Do you trust the files in this folder|Is this a project you created or one you trust/,
  'API key approval': /Do you want to use this API key/,
  login: /Select login method/,
  onboarding: /Choose the text style/,
};

const API_KEY = 'sk-ant-parx-real-agent-0123456789';
let standIn: Awaited<ReturnType<typeof startAnthropicStandIn>>;
let claude: string;

beforeAll(() => {
  claude = (installAgents() as Record<string, string>).claude!;
});

// The panes go before the test's repository is removed (hooks run last-registered first): an
// agent or guard still writing there would make the removal fail.
afterEach(killTmuxServer);

afterAll(async () => {
  await standIn?.close();
  await killTmuxServer();
});

function seedReturningUser(trusted: string): void {
  const home = process.env.HOME!;
  mkdirSync(join(home, '.claude'), { recursive: true });
  writeFileSync(
    join(home, '.claude.json'),
    JSON.stringify({
      hasCompletedOnboarding: true,
      numStartups: 12,
      theme: 'dark',
      // A returning user approved this key (Claude keeps its last 20 characters).
      customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] },
      projects: { [trusted]: { hasTrustDialogAccepted: true } },
      // Claude Code offers auto mode once to a user whose settings name another mode; a returning
      // user has answered it (left up, it takes the pane's input at the first idle moment).
      hasSeenAutoDefaultNudge: true,
    }),
  );
  // Manual permission mode: the human answers Claude's prompts.
  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify({ permissions: { defaultMode: 'default' } }));
}

const { waitForScreen } = makeScreenReader('Claude Code', SCREENS);

/** The environment a real Claude Code runs in: offline, talking to the model stand-in at `url`. */
const claudeEnv = (url: string) => ({
  PATH: `${dirname(claude)}:${process.env.PATH}`,
  ANTHROPIC_BASE_URL: url,
  ANTHROPIC_API_KEY: API_KEY,
  DISABLE_AUTOUPDATER: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
});

describe('the real Claude Code in a parx session', () => {
  it('applies an owned write, denies a foreign one before it happens naming the owner, and reports waiting → working → waiting', async () => {
    const run = createRunFixture(
      // approve: ask keeps Claude's own prompt for owned writes: the human answers it here.
      {
        auth: { owns: ['src/auth/**'], task: 'Write the token module.', agent: 'claude', approve: 'ask' },
        payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
      },
      { tmuxSession: 'real-claude' },
    );
    const wt = run.worktree('auth');
    // The foreign write first: after the human answers the prompt for the owned one, no other
    // hooked tool runs, so only the tool's own completion can say the agent works again.
    standIn = await startAnthropicStandIn([
      { tool: 'Write', input: { file_path: join(wt, 'src/payments/charge.ts'), content: 'evil\n' } },
      { tool: 'Write', input: { file_path: join(wt, 'src/auth/token.ts'), content: 'export const token = 1;\n' } },
      { text: 'Done: src/auth/token.ts is written; src/payments/charge.ts belongs to payments.' },
    ]);
    seedReturningUser(run.root);
    const env = claudeEnv(standIn.url);
    const version = execFileSync(claude, ['--version'], { encoding: 'utf8' });
    expect(version).toContain(pinnedVersion('claude') as string);

    // parx doctor finds the real CLI and nothing in the way of its hooks.
    const doctor = await runParx(['doctor'], run.root, env);
    expect(doctor.exitCode, doctor.stdout).toBe(0);

    const up = await runParx(['up', '--detach'], run.root, env);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    expect(up.stdout).toMatch(/auth\s+sandbox on/);
    const pane = run.state().sessions.auth!.pane;

    // Claude asks the human before it creates the owned file: the session is waiting.
    await waitForScreen(pane, 'Claude to ask about token.ts', 'Do you want to create token.ts?');
    const status = () => firstSessionStatus(run);
    await waitUntilWaiting(run, 'auth to show waiting');
    expect((await status()).hooks).toBe('active');

    tmuxOut('send-keys', '-t', pane, '1');
    await waitForScreen(pane, 'the end of the turn', 'Done: src/auth/token.ts is written');
    expect(readFileSync(join(wt, 'src/auth/token.ts'), 'utf8')).toBe('export const token = 1;\n');
    expect(readFileSync(join(wt, 'src/payments/charge.ts'), 'utf8')).toBe('export const charge = 1;\n');
    // The model was told why, and by whom the file is owned.
    expect(standIn.toolResults().join('\n')).toContain('src/payments/charge.ts belongs to session "payments"');

    // The guard pane relays the sandboxed hook's denial and records the states as they came.
    const events = () => run.events();
    await waitFor('the denial in events.jsonl', () => events().find((e) => e.type === 'denied' && e.owner === 'payments'), 15_000);
    await waitUntilWaiting(run, 'auth waiting again');
    const states = stateHistory(run, 'auth');
    // waiting (its permission prompt) → working (the human answered) → waiting (turn over)
    expect(states.join(' ')).toMatch(/waiting working( working)* waiting$/);
  }, 180_000);

  it('approve: owned — 20 owned writes and 2 foreign ones reach the end with no keystroke and 2 denials', async () => {
    // A tmux server of its own: panes take the server's environment (the other test's stand-in URL).
    await killTmuxServer();
    const run = createRunFixture(OWNED_RUN.sessions('claude'), { tmuxSession: 'real-claude-owned' });
    const wt = run.worktree('auth');
    const write = (path: string) => ({ tool: 'Write', input: { file_path: join(wt, path), content: OWNED_RUN.content(path) } });
    const local = await startAnthropicStandIn(getOwnedRunScript(write, { text: OWNED_RUN.done }));
    try {
      seedReturningUser(run.root);
      const env = claudeEnv(local.url);
      expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
      const pane = run.state().sessions.auth!.pane;
      // A permission prompt would stop the pane: fail at once, naming it.
      const { waitForScreen: waitWithoutPrompts } = makeScreenReader('Claude Code', {
        ...SCREENS,
        'permission prompt': /Do you want to (create|make this edit)/,
      });
      await waitWithoutPrompts(pane, 'the end of the turn, with no keystroke', OWNED_RUN.done);
      await expectOwnedRun(run, wt);
    } finally {
      await local.close();
    }
  }, 180_000);

  it('a denied write becomes a request; the grant reaches Claude at its turn end, opens its sandbox, and a message rides its next prompt', async () => {
    await killTmuxServer();
    const run = createRunFixture(
      // auth owns README.md, a file at the root: Claude saves it by renaming a temporary file over
      // it, which the sandbox allows by opening the root with its other entries closed.
      {
        auth: { owns: ['src/auth/**', 'README.md'], task: 'Add a currency to the charge.', agent: 'claude' },
        payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
      },
      { tmuxSession: 'real-claude-requests' },
    );
    const wt = run.worktree('auth');
    const charge = { tool: 'Write', input: { file_path: join(wt, 'src/payments/charge.ts'), content: 'export const charge = { currency: "EUR" };\n' } };
    let granted = '';
    const local = await startAnthropicStandIn([
      { tool: 'Write', input: { file_path: join(wt, 'README.md'), content: '# shop, with currencies\n' } },
      charge,
      // The human grants the request while Claude is still in its turn: the message waits for its Stop hook.
      { text: 'charge.ts belongs to payments: I asked for it.', before: async () => (granted = (await runParx(['grant', 'auth-1'], run.root)).stdout) },
      // Continued by the Stop hook with the grant: the same write again, now allowed.
      charge,
      { text: 'Done: the charge has a currency.' },
      // The human's next prompt, with parx's message in its context.
      { text: 'Noted: keep the old export.' },
    ]);
    try {
      seedReturningUser(run.root);
      const env = claudeEnv(local.url);
      const up = await runParx(['up', '--detach'], run.root, env);
      expect(up.exitCode, up.stderr + up.stdout).toBe(0);
      expect(up.stdout).toMatch(/auth\s+sandbox on/);
      const pane = run.state().sessions.auth!.pane;
      const { waitForScreen: waitWithoutPrompts } = makeScreenReader('Claude Code', {
        ...SCREENS,
        'permission prompt': /Do you want to (create|make this edit)/,
      });
      await waitWithoutPrompts(pane, 'the continued turn to end', 'Done: the charge has a currency.');
      expect(granted).toContain('src/payments/charge.ts now belongs to auth');
      expect(granted).not.toContain('restarts');
      // The Stop hook's `decision: block` continued Claude with the grant, and the write went
      // through its running sandbox.
      expect(local.turnTexts().join('\n')).toContain('Request auth-1 was granted: you now own `src/payments/charge.ts`');
      expect(readFileSync(join(wt, 'src/payments/charge.ts'), 'utf8'), local.toolResults().at(-1)).toBe('export const charge = { currency: "EUR" };\n');
      expect(readFileSync(join(wt, 'README.md'), 'utf8')).toBe('# shop, with currencies\n');
      // The sandboxed hook's denial reaches events.jsonl through the guard, which relays it.
      await waitFor('the denial in events.jsonl', () => (run.events().some((e) => e.type === 'denied' && e.session === 'auth') ? true : undefined), 15_000);
      expect(run.events().filter((e) => e.type === 'denied' && e.session === 'auth')).toHaveLength(1);

      // A message for an idle agent rides the human's next prompt (UserPromptSubmit).
      expect((await runParx(['tell', 'auth', 'keep the old charge export working'], run.root)).exitCode).toBe(0);
      tmuxOut('send-keys', '-t', pane, '-l', 'Anything else?');
      tmuxOut('send-keys', '-t', pane, 'Enter');
      await waitWithoutPrompts(pane, 'the answer to the next prompt', 'Noted: keep the old export.');
      const last = local.turnTexts().at(-1)!;
      expect(last).toContain('Anything else?');
      expect(last).toContain('From the human: keep the old charge export working');
    } finally {
      await local.close();
    }
  }, 180_000);

  it('review: a headless Claude reviewer answers from its sandbox, cannot write the author’s files, and its findings reach the Claude author at its turn’s end', async () => {
    await killTmuxServer();
    const run = createRunFixture(
      {
        auth: { owns: ['src/auth/**'], task: 'Write the token module.', agent: 'claude' },
        payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
      },
      { tmuxSession: 'real-claude-review', review: { agent: 'claude', auto: false, instructions: 'Report only what you are sure of.' } },
    );
    const wt = run.worktree('auth');
    const token = join(wt, 'src/auth/token.ts');
    const finding = { file: 'src/auth/token.ts', line: 1, severity: 'major', text: 'the token is a constant: read it from the environment' };
    // The reviewer, in a stand-in of its own: it reads, tries to edit the author's file two ways
    // (its edit tool is denied by its settings, its shell by the OS sandbox), then answers.
    const reviewerModel = await startAnthropicStandIn([
      { tool: 'Bash', input: { command: 'git log --oneline -3 && git diff --stat "$PARX_REVIEW_BASE...$PARX_REVIEW_TIP"' } },
      { tool: 'Edit', input: { file_path: token, old_string: '1', new_string: '2' } },
      { tool: 'Bash', input: { command: `echo evil > '${token}'` } },
      { tool: 'Bash', input: { command: `echo '${JSON.stringify([finding])}' | parx review submit --changes --findings - --summary "one finding"` } },
      { text: 'Submitted my review.' },
    ]);
    let review: { exitCode: number; stdout: string; stderr: string } | undefined;
    const author = await startAnthropicStandIn([
      { tool: 'Write', input: { file_path: token, content: 'export const token = 1;\n' } },
      { tool: 'Bash', input: { command: 'git add -A && git commit -qm "auth: token"' } },
      // The human runs the review while the author is still in its turn: the findings wait for its Stop hook.
      {
        text: 'Committed the token module.',
        before: async () => (review = await runParx(['review', 'auth', '--json'], run.root, claudeEnv(reviewerModel.url))),
      },
      // Continued by the Stop hook with the findings.
      { text: 'Fixed per review: the token comes from the environment.' },
    ]);
    try {
      seedReturningUser(run.root);
      const up = await runParx(['up', '--detach'], run.root, claudeEnv(author.url));
      expect(up.exitCode, up.stderr + up.stdout).toBe(0);
      const pane = run.state().sessions.auth!.pane;
      // Claude asks before it runs git (manual permission mode): the human says yes.
      await waitForScreen(pane, 'Claude to ask about the commit', 'Do you want to proceed?');
      tmuxOut('send-keys', '-t', pane, '1');
      await waitForScreen(pane, 'the continued turn to end', 'Fixed per review');

      expect(review?.exitCode, `${review?.stderr}${review?.stdout}`).toBe(1);
      const verdict = (JSON.parse(review!.stdout) as { reviews: Array<Record<string, unknown>> }).reviews[0]!;
      expect(verdict).toMatchObject({ session: 'auth', verdict: 'changes', by: 'agent', reviewer: 'claude', summary: 'one finding', findings: [finding] });
      expect(verdict.tip).toBe(run.git('rev-parse', 'parx/auth').trim());
      // Its two attempts on the author's file failed, and the file is as the author wrote it.
      const results = reviewerModel.toolResults().join('\n');
      expect(results).toContain('auth: token');
      expect(results).toMatch(/No such tool available: Edit|Edit.*(denied|disabled)/);
      expect(results).toMatch(/read-only file system/i);
      expect(results).toContain('Submitted: changes with 1 finding(s) on auth');
      expect(readFileSync(token, 'utf8')).toBe('export const token = 1;\n');
      // The reviewer ran headless (`-p`): one prompt, with the task and the range.
      const firstTurn = reviewerModel.turnTexts()[0]!;
      expect(firstTurn).toContain('Write the token module.');
      expect(firstTurn).toContain('Report only what you are sure of.');
      // The author got the findings at its turn's end, as a Stop hook continuation.
      expect(author.turnTexts().join('\n')).toContain('src/auth/token.ts:1 [major] the token is a constant');
      expect((await runParx(['down', '--dry-run'], run.root)).stdout).toContain('its review asks for changes (1 finding(s))');
    } finally {
      await Promise.all([author.close(), reviewerModel.close()]);
    }
  }, 240_000);

  it('recover: agent — a merge that breaks verify is undone and its output reaches the Claude author at its turn’s end', async () => {
    await killTmuxServer();
    const run = createRunFixture(
      {
        auth: { owns: ['src/auth/**'], task: 'Write the token module.', agent: 'claude' },
        payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
      },
      {
        tmuxSession: 'real-claude-recover',
        recover: 'agent',
        verify: 'if grep -q BROKEN src/auth/token.ts; then echo "token.test: expected a string, got BROKEN"; exit 1; fi',
      },
    );
    const wt = run.worktree('auth');
    const token = join(wt, 'src/auth/token.ts');
    let down: { exitCode: number; stdout: string } | undefined;
    const author = await startAnthropicStandIn([
      { tool: 'Write', input: { file_path: token, content: 'export const token = BROKEN;\n' } },
      { tool: 'Bash', input: { command: 'git add -A && git commit -qm "auth: token"' } },
      // The human lands it while the author is still in its turn: verify fails, the merge is undone.
      { text: 'Committed the token module.', before: async () => (down = await runParx(['down', 'auth', '--json'], run.root)) },
      // Continued by the Stop hook with what failed.
      { text: 'Fixing the token after the failed verify.' },
    ]);
    try {
      seedReturningUser(run.root);
      const up = await runParx(['up', '--detach'], run.root, claudeEnv(author.url));
      expect(up.exitCode, up.stderr + up.stdout).toBe(0);
      const pane = run.state().sessions.auth!.pane;
      await waitForScreen(pane, 'Claude to ask about the commit', 'Do you want to proceed?');
      tmuxOut('send-keys', '-t', pane, '1');
      await waitForScreen(pane, 'the continued turn to end', 'Fixing the token after the failed verify.', () =>
        [`parx down: ${JSON.stringify(down)}`, 'events:', ...run.events().map((e) => JSON.stringify(e))].join('\n'),
      );
      expect(down?.exitCode).toBe(1);
      expect(JSON.parse(down!.stdout).sessions[0].outcome).toMatchObject({ kind: 'evicted' });
      expect(run.events('recover')).toEqual([expect.objectContaining({ session: 'auth', reason: 'verify', try: 1 })]);
      const told = author.turnTexts().join('\n');
      expect(told).toContain('your branch did not land');
      expect(told).toContain('token.test: expected a string, got BROKEN');
      // The work is still on its branch; base does not have it.
      expect(run.git('show', 'parx/auth:src/auth/token.ts')).toBe('export const token = BROKEN;\n');
      expect(run.git('ls-tree', '--name-only', 'main', 'src/auth/').trim()).not.toContain('token.ts');
    } finally {
      await author.close();
    }
  }, 240_000);

  it('usage and budget: parx shows the tokens the model served, pauses the session at its budget, and it goes on once raised', async () => {
    await killTmuxServer();
    const run = createRunFixture(
      {
        auth: { owns: ['src/auth/**'], task: 'Write the token modules.', agent: 'claude', budget: { tokens: 200 } },
        payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
      },
      { tmuxSession: 'real-claude-budget' },
    );
    const wt = run.worktree('auth');
    const write = (name: string) => ({ tool: 'Write', input: { file_path: join(wt, `src/auth/${name}.ts`), content: `export const ${name} = 1;\n` } });
    const paused = () => run.events('budget').find((e) => e.session === 'auth');
    const local = await startAnthropicStandIn([
      write('a'),
      write('b'),
      // Two answers served (2 × 110 tokens ≥ 200): the third write waits until the guard has paused the session.
      { ...write('c'), before: () => waitFor('the pause', paused, 20_000).then(() => undefined) },
      { text: 'Paused at the budget; waiting for the human.' },
      // The human raised the budget and prompted again.
      write('c'),
      { text: 'Done: c is written.' },
    ]);
    try {
      seedReturningUser(run.root);
      const up = await runParx(['up', '--detach'], run.root, { ...claudeEnv(local.url), PARX_USAGE_TICK_MS: '200' });
      expect(up.exitCode, up.stderr + up.stdout).toBe(0);
      const pane = run.state().sessions.auth!.pane;
      const { waitForScreen: waitWithoutPrompts } = makeScreenReader('Claude Code', {
        ...SCREENS,
        'permission prompt': /Do you want to (create|make this edit)/,
      });
      await waitWithoutPrompts(pane, 'the paused turn to end', 'Paused at the budget');
      expect(existsSync(join(wt, 'src/auth/c.ts'))).toBe(false);
      expect(local.toolResults().join('\n')).toContain('reached its budget');

      // What parx shows is what the stand-in served to the agent's turns: 100 in, 10 out each.
      const served = local.turnTexts().length;
      const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as {
        sessions: Array<{ usage: Record<string, number>; budget: { reached: boolean } }>;
      };
      expect(status.sessions[0]!.usage).toMatchObject({ inputTokens: 100 * served, outputTokens: 10 * served, source: 'claude-transcript' });
      expect(status.sessions[0]!.budget.reached).toBe(true);

      expect((await runParx(['budget', 'auth', '--tokens', '100000'], run.root)).exitCode).toBe(0);
      tmuxOut('send-keys', '-t', pane, '-l', 'Go on.');
      tmuxOut('send-keys', '-t', pane, 'Enter');
      await waitWithoutPrompts(pane, 'the next turn', 'Done: c is written.');
      expect(readFileSync(join(wt, 'src/auth/c.ts'), 'utf8')).toBe('export const c = 1;\n');
    } finally {
      await local.close();
    }
  }, 240_000);

  it('EnterWorktree is denied with the reason: the session stays in its worktree', async () => {
    await killTmuxServer();
    const run = createRunFixture(
      { auth: { owns: ['src/auth/**'], task: 'Work.', agent: 'claude' }, payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' } },
      { tmuxSession: 'real-claude-worktree' },
    );
    const local = await startAnthropicStandIn([{ tool: 'EnterWorktree', input: { name: 'side' } }, { text: 'Staying in my worktree.' }]);
    try {
      seedReturningUser(run.root);
      const worktreesBefore = run.git('worktree', 'list', '--porcelain');
      expect((await runParx(['up', '--detach'], run.root, claudeEnv(local.url))).exitCode).toBe(0);
      const listed = run.git('worktree', 'list', '--porcelain');
      const pane = run.state().sessions.auth!.pane;
      const { waitForScreen: waitWithoutPrompts } = makeScreenReader('Claude Code', SCREENS);
      await waitWithoutPrompts(pane, 'the end of the turn', 'Staying in my worktree.');
      expect(local.toolResults().join('\n')).toContain('EnterWorktree is not available in a parx session');
      // No worktree of Claude's own: the list is what `up` made.
      expect(run.git('worktree', 'list', '--porcelain')).toBe(listed);
      expect(listed).not.toBe(worktreesBefore);
    } finally {
      await local.close();
    }
  }, 180_000);
});
