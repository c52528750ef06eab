import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunFixture, hasCommitObject } from '../helpers/fixture.js';
import { inSandbox } from '../helpers/sandbox-shell.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';
import { expectOwnedRun, firstSessionStatus, getOwnedRunScript, makeScreenReader, MESSAGE_RUN, OWNED_RUN, stateHistory, waitUntilWaiting } from './pane.js';
// @ts-expect-error plain ESM helpers without types
import { startOpenAIStandIn } from './openai-stand-in.mjs';
// @ts-expect-error plain ESM helpers without types
import { installAgents, pinnedVersion } from './install.mjs';

/**
 * The real Codex CLI (version pinned in versions.json), driven offline by a stand-in of the
 * Responses API, in parx's OS sandbox, with a home folder seeded as a returning user's (an API
 * key, the main checkout trusted). Its model sends `apply_patch` for payments' file (parx's
 * PreToolUse hook must deny it, naming the owner), then for an owned file (it must apply), then
 * a shell write into payments' folder (denied the same way), then `rm -f` on an owned file, which Codex asks the human to approve, and ends its turn.
 */

/** Screens that would stop the pane: parx must never cause one. */
const SCREENS: Record<string, RegExp> = {
  'hooks review': /Hooks need review/,
  'folder trust': /Do you trust the contents of this directory|trust this folder/i,
  login: /Sign in with ChatGPT|Welcome to Codex/,
  'update prompt': /Update available/,
};

let standIn: Awaited<ReturnType<typeof startOpenAIStandIn>>;
let codex: string;

beforeAll(() => {
  codex = (installAgents() as Record<string, string>).codex!;
});

// The panes go before the test's repository is removed (hooks run last-registered first): an
// agent or guard still writing there would make the removal fail.
afterEach(killTmuxServer);

afterAll(async () => {
  await standIn?.close();
  await killTmuxServer();
});

function seedReturningUser(trusted: string, baseUrl: string): void {
  const dir = join(process.env.HOME!, '.codex');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'auth.json'), JSON.stringify({ OPENAI_API_KEY: 'sk-parx-real-agent' }));
  writeFileSync(
    join(dir, 'config.toml'),
    [
      'model_provider = "standin"',
      'check_for_update_on_startup = false',
      // Codex's default for a trusted folder, spelled out: a risky command waits for the human.
      'approval_policy = "on-request"',
      '[model_providers.standin]',
      'name = "stand-in"',
      `base_url = ${JSON.stringify(baseUrl)}`,
      'wire_api = "responses"',
      'env_key = "OPENAI_API_KEY"',
      `[projects.${JSON.stringify(trusted)}]`,
      'trust_level = "trusted"',
      '[tui]',
      'screen_reader_detection_done = true',
      '',
    ].join('\n'),
  );
}

const { waitForScreen } = makeScreenReader('Codex', SCREENS);

/** The environment a real Codex runs in (its model stand-in's URL is in the seeded config). */
const codexEnv = () => ({ PATH: `${dirname(codex)}:${process.env.PATH}`, OPENAI_API_KEY: 'sk-parx-real-agent' });

describe('the real Codex CLI in a parx session', () => {
  it('denies a foreign apply_patch before it happens naming the owner, applies an owned one, and reports waiting → working → waiting across an approval', async () => {
    const run = createRunFixture(
      {
        auth: { owns: ['src/auth/**'], task: 'Write the token module.', agent: 'codex' },
        payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
      },
      { tmuxSession: 'real-codex' },
    );
    const wt = run.worktree('auth');
    standIn = await startOpenAIStandIn([
      { patch: '*** Begin Patch\n*** Update File: src/payments/charge.ts\n@@\n-export const charge = 1;\n+evil\n*** End Patch' },
      { patch: '*** Begin Patch\n*** Add File: src/auth/token.ts\n+export const token = 1;\n*** Add File: src/auth/draft.ts\n+draft\n*** End Patch' },
      // A shell write (Codex's exec_command, `Bash` to hooks) outside ownership.
      { command: 'echo evil > src/payments/refund.ts' },
      // `rm -f` is one of the commands Codex always asks about (unless told never to ask).
      { command: 'rm -f src/auth/draft.ts' },
      { text: 'Done: src/auth/token.ts is written; src/payments/charge.ts belongs to payments.' },
    ]);
    seedReturningUser(run.root, standIn.url);
    const env = codexEnv();
    expect(execFileSync(codex, ['--version'], { encoding: 'utf8' })).toContain(pinnedVersion('codex') as string);
    const configBefore = readFileSync(join(process.env.HOME!, '.codex', 'config.toml'), 'utf8');

    // parx doctor finds the real CLI and nothing in the way of its hooks.
    const doctor = await runParx(['doctor'], run.root, env);
    expect(doctor.exitCode, doctor.stdout).toBe(0);

    const up = await runParx(['up', '--detach'], run.root, env);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    expect(up.stdout).toMatch(/auth\s+sandbox on/);
    const pane = run.state().sessions.auth!.pane;

    // Codex asks the human before the `rm -f`: the session is waiting (its PermissionRequest hook).
    await waitForScreen(pane, 'Codex to ask about rm -f', 'Would you like to run the following command?');
    const status = () => firstSessionStatus(run);
    await waitUntilWaiting(run, 'auth to show waiting');
    tmuxOut('send-keys', '-t', pane, 'y');

    await waitForScreen(pane, 'the end of the turn', 'Done: src/auth/token.ts is written');
    expect(existsSync(join(wt, 'src/auth/draft.ts')), 'the approved rm -f ran').toBe(false);
    const told = standIn.toolOutputs().join('\n');
    expect(existsSync(join(wt, 'src/auth/token.ts')), `Codex was told: ${told}`).toBe(true);
    expect(readFileSync(join(wt, 'src/auth/token.ts'), 'utf8')).toBe('export const token = 1;\n');
    expect(readFileSync(join(wt, 'src/payments/charge.ts'), 'utf8')).toBe('export const charge = 1;\n');
    expect(standIn.toolOutputs().join('\n')).toContain('src/payments/charge.ts belongs to session "payments"');
    expect(standIn.toolOutputs().join('\n')).toContain('src/payments/refund.ts belongs to session "payments"');
    expect(existsSync(join(wt, 'src/payments/refund.ts'))).toBe(false);
    // Trust for this run only: nothing of parx's lands in the user's Codex config (Codex itself
    // keeps notes there, such as which notices it has shown).
    const configAfter = readFileSync(join(process.env.HOME!, '.codex', 'config.toml'), 'utf8');
    expect(configAfter.startsWith(configBefore.trimEnd())).toBe(true);
    expect(configAfter, configAfter).not.toMatch(/hooks|trusted_hash/);

    const events = () => run.events();
    await waitFor('the denial in events.jsonl', () => events().find((e) => e.type === 'denied' && e.owner === 'payments' && e.tool === 'apply_patch'), 15_000);
    await waitUntilWaiting(run, 'auth waiting again');
    expect((await status()).hooks).toBe('active');
    // working (the prompt) → waiting (the approval) → working (the human answered) → waiting (turn over)
    expect(stateHistory(run, 'auth').join(' ')).toMatch(/working( working)* waiting working( working)* waiting$/);
  }, 180_000);

  it('approve: owned — 20 owned patches and 2 foreign ones reach the end with no keystroke and 2 denials', async () => {
    // A tmux server of its own: panes take the server's environment (the other test's stand-in URL).
    await killTmuxServer();
    const run = createRunFixture(OWNED_RUN.sessions('codex'), { tmuxSession: 'real-codex-owned' });
    const wt = run.worktree('auth');
    const add = (path: string) => ({ patch: `*** Begin Patch\n*** Add File: ${path}\n+${OWNED_RUN.content(path).trimEnd()}\n*** End Patch` });
    const foreign = { patch: '*** Begin Patch\n*** Update File: src/payments/charge.ts\n@@\n-export const charge = 1;\n+evil\n*** End Patch' };
    const local = await startOpenAIStandIn(getOwnedRunScript(add, { text: OWNED_RUN.done }, foreign));
    try {
      seedReturningUser(run.root, local.url);
      const env = codexEnv();
      expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
      const pane = run.state().sessions.auth!.pane;
      // An approval would stop the pane: fail at once, naming it.
      const { waitForScreen: waitWithoutPrompts } = makeScreenReader('Codex', { ...SCREENS, approval: /Would you like to (make|run|apply)/ });
      await waitWithoutPrompts(pane, 'the end of the turn, with no keystroke', OWNED_RUN.done);
      await expectOwnedRun(run, wt);
    } finally {
      await local.close();
    }
  }, 180_000);

  it('a message for the session reaches Codex when its turn ends: the Stop hook continues it', async () => {
    await killTmuxServer();
    const run = createRunFixture(MESSAGE_RUN.sessions('codex'), { tmuxSession: 'real-codex-messages' });
    const local = await startOpenAIStandIn([
      // The human tells auth something while Codex is in its turn: it waits for the Stop hook.
      { text: 'Looked around.', before: MESSAGE_RUN.tell(run) },
      { text: MESSAGE_RUN.continued },
    ]);
    try {
      seedReturningUser(run.root, local.url);
      const env = codexEnv();
      expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
      const pane = run.state().sessions.auth!.pane;
      const { waitForScreen: waitWithoutPrompts } = makeScreenReader('Codex', SCREENS);
      await waitWithoutPrompts(pane, 'the continued turn', MESSAGE_RUN.continued);
      const last = local.inputs().at(-1)!;
      expect(last).toContain(`From the human: ${MESSAGE_RUN.message}`);
      // Delivered once: the turn then ends.
      expect(local.inputs().filter((i: string) => i.includes(MESSAGE_RUN.message)).length).toBe(1);
    } finally {
      await local.close();
    }
  }, 180_000);

  it('review: `codex exec` as a headless reviewer answers from parx’s sandbox, and cannot write the author’s files', async () => {
    await killTmuxServer();
    const run = createRunFixture(
      {
        auth: { owns: ['src/auth/**'], task: 'Write the token module.', agent: 'shell' },
        payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
      },
      { tmuxSession: 'real-codex-review', review: { agent: 'codex', auto: false } },
    );
    const up = await runParx(['up', '--detach'], run.root);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    const wt = run.worktree('auth');
    const committed = await inSandbox(run, 'auth', 'echo "export const token = 1;" > src/auth/token.ts && git add -A && git commit -qm "auth: token"');
    expect(committed.exitCode, committed.stderr).toBe(0);
    await waitFor('auth’s commit in the shared store', () => hasCommitObject(run, 'parx/auth') || undefined);
    const local = await startOpenAIStandIn([
      { command: 'git log --oneline -2' },
      { command: `echo evil > ${join(wt, 'src/auth/token.ts')}` },
      // What the prompt tells the reviewer to run: parx's own launcher, by its absolute path.
      { command: `${join(run.root, '.git/parx/reviews/bin/parx')} review submit --pass --summary "the token module is right"` },
      { text: 'Submitted.' },
    ]);
    try {
      seedReturningUser(run.root, local.url);
      const review = await runParx(['review', 'auth', '--json'], run.root, codexEnv());
      expect(review.exitCode, `${review.stderr}${review.stdout}\n${local.toolOutputs().join('\n')}`).toBe(0);
      expect(JSON.parse(review.stdout).reviews[0]).toMatchObject({ session: 'auth', verdict: 'pass', reviewer: 'codex', summary: 'the token module is right' });
      const outputs = local.toolOutputs().join('\n');
      expect(outputs).toContain('auth: token');
      expect(outputs).toMatch(/read-only file system/i);
      expect(readFileSync(join(wt, 'src/auth/token.ts'), 'utf8')).toBe('export const token = 1;\n');
    } finally {
      await local.close();
    }
  }, 180_000);

  it('usage: parx shows the tokens the model served to the session, from Codex’s rollout file', async () => {
    await killTmuxServer();
    const run = createRunFixture(MESSAGE_RUN.sessions('codex'), { tmuxSession: 'real-codex-usage' });
    const local = await startOpenAIStandIn([{ command: 'ls' }, { text: 'Looked around.' }]);
    try {
      seedReturningUser(run.root, local.url);
      expect((await runParx(['up', '--detach'], run.root, codexEnv())).exitCode).toBe(0);
      const pane = run.state().sessions.auth!.pane;
      await waitForScreen(pane, 'the end of the turn', 'Looked around.');
      // Every request of the turn was answered with 100 input and 10 output tokens (titles are not the turn's).
      const served = local.inputs().filter((i: string) => !i.includes('Generate a concise, single-line task title')).length;
      const usage = await waitFor('the usage in status', async () => {
        const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { sessions: Array<{ usage: Record<string, number> | null }> };
        const u = status.sessions[0]!.usage;
        return u && u.outputTokens === 10 * served ? u : undefined;
      });
      expect(usage).toMatchObject({ inputTokens: 100 * served, outputTokens: 10 * served, cacheTokens: 0, source: 'codex-rollout' });
    } finally {
      await local.close();
    }
  }, 180_000);
});
