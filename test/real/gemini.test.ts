import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunFixture, hasCommitObject } from '../helpers/fixture.js';
import { inSandbox } from '../helpers/sandbox-shell.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';
import { expectOwnedRun, MESSAGE_RUN, getOwnedRunScript, makeScreenReader, OWNED_RUN, stateHistory, waitUntilWaiting } from './pane.js';
// @ts-expect-error plain ESM helpers without types
import { startGeminiStandIn } from './gemini-stand-in.mjs';
// @ts-expect-error plain ESM helpers without types
import { installAgents, pinnedVersion } from './install.mjs';

/**
 * The real Gemini CLI (version pinned in versions.json), driven offline by a stand-in of the
 * Gemini API, in parx's OS sandbox, with a home folder seeded as a returning user's (an API key
 * chosen, the main checkout trusted). The model writes payments' file (parx's BeforeTool hook
 * must deny it, naming the owner), then an owned file (the human allows it at Gemini's prompt),
 * then ends its turn.
 */

/** Screens that would stop the pane: parx must never cause one. */
const SCREENS: Record<string, RegExp> = {
  'folder trust': /Do you trust (the files in )?this folder/i,
  'auth choice': /Get started|How would you like to authenticate/,
  'theme choice': /Select Theme/,
};

let standIn: Awaited<ReturnType<typeof startGeminiStandIn>>;
let gemini: string;

beforeAll(() => {
  gemini = (installAgents() as Record<string, string>).gemini!;
});

// The panes go before the test's repository is removed (hooks run last-registered first): an
// agent or guard still writing there would make the removal fail.
afterEach(killTmuxServer);

afterAll(async () => {
  await standIn?.close();
  await killTmuxServer();
});

function seedReturningUser(trusted: string): void {
  const dir = join(process.env.HOME!, '.gemini');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'settings.json'),
    JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: true } }, ui: { theme: 'Default' } }),
  );
  writeFileSync(join(dir, 'trustedFolders.json'), JSON.stringify({ [trusted]: 'TRUST_FOLDER' }));
}

const { waitForScreen } = makeScreenReader('Gemini CLI', SCREENS);

/** The environment a real Gemini CLI runs in: offline, talking to the model stand-in at `url`. */
const geminiEnv = (url: string) => ({ PATH: `${dirname(gemini)}:${process.env.PATH}`, GEMINI_API_KEY: 'parx-real-agent', GOOGLE_GEMINI_BASE_URL: url });

describe('the real Gemini CLI in a parx session', () => {
  it('denies a foreign write_file before it happens naming the owner, applies an owned one, and reports waiting → working → waiting', async () => {
    const run = createRunFixture(
      // approve: ask keeps Gemini's own confirmation for owned writes: the human answers it here.
      {
        auth: { owns: ['src/auth/**'], task: 'Write the token module.', agent: 'gemini', approve: 'ask' },
        payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
      },
      { tmuxSession: 'real-gemini' },
    );
    const wt = run.worktree('auth');
    standIn = await startGeminiStandIn([
      { call: 'write_file', args: { file_path: join(wt, 'src/payments/charge.ts'), content: 'evil\n' } },
      // A shell write into payments' folder: BeforeTool on run_shell_command reads its target.
      { call: 'run_shell_command', args: { command: 'echo evil > src/payments/refund.ts', description: 'Write refund.ts' } },
      { call: 'write_file', args: { file_path: join(wt, 'src/auth/token.ts'), content: 'export const token = 1;\n' } },
      { text: 'Done: src/auth/token.ts is written; src/payments/charge.ts belongs to payments.' },
    ]);
    seedReturningUser(run.root);
    const userSettings = readFileSync(join(process.env.HOME!, '.gemini', 'settings.json'), 'utf8');
    const env = geminiEnv(standIn.url);
    expect(execFileSync(gemini, ['--version'], { encoding: 'utf8', env: { ...process.env, ...env } })).toContain(pinnedVersion('gemini') as string);

    // parx doctor finds the real CLI and nothing in the way of its hooks.
    const doctor = await runParx(['doctor'], run.root, env);
    expect(doctor.exitCode, doctor.stdout).toBe(0);

    const up = await runParx(['up', '--detach'], run.root, env);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    expect(up.stdout).toMatch(/auth\s+sandbox on/);
    expect(up.stdout).not.toContain('hooks need you');
    const pane = run.state().sessions.auth!.pane;

    await waitForScreen(pane, 'Gemini to ask about token.ts', 'Apply this change?');
    await waitUntilWaiting(run, 'auth to show waiting');
    tmuxOut('send-keys', '-t', pane, '1');
    await waitForScreen(pane, 'the end of the turn', 'Done: src/auth/token.ts is written');
    expect(readFileSync(join(wt, 'src/auth/token.ts'), 'utf8')).toBe('export const token = 1;\n');
    expect(readFileSync(join(wt, 'src/payments/charge.ts'), 'utf8')).toBe('export const charge = 1;\n');
    expect(standIn.functionResponses().join('\n')).toContain('src/payments/charge.ts belongs to session');
    expect(standIn.functionResponses().join('\n')).toContain('src/payments/refund.ts belongs to session');
    expect(existsSync(join(wt, 'src/payments/refund.ts'))).toBe(false);
    // Nothing of parx's in the user's Gemini settings, nor in /etc.
    expect(readFileSync(join(process.env.HOME!, '.gemini', 'settings.json'), 'utf8')).toBe(userSettings);

    const events = () => run.events();
    await waitFor('the denial in events.jsonl', () => events().find((e) => e.type === 'denied' && e.owner === 'payments' && e.tool === 'write_file'), 15_000);
    await waitUntilWaiting(run, 'auth waiting again');
    const states = stateHistory(run, 'auth');
    // waiting (its confirmation) → working (the human answered) → waiting (turn over)
    expect(states.join(' ')).toMatch(/waiting working( working)* waiting$/);
  }, 180_000);

  it('approve: owned — 20 owned writes and 2 foreign ones reach the end with no keystroke and 2 denials', async () => {
    // A tmux server of its own: panes take the server's environment (the other test's stand-in URL).
    await killTmuxServer();
    const run = createRunFixture(OWNED_RUN.sessions('gemini'), { tmuxSession: 'real-gemini-owned' });
    const wt = run.worktree('auth');
    const write = (path: string) => ({ call: 'write_file', args: { file_path: join(wt, path), content: OWNED_RUN.content(path) } });
    const local = await startGeminiStandIn(getOwnedRunScript(write, { text: OWNED_RUN.done }));
    try {
      seedReturningUser(run.root);
      const env = geminiEnv(local.url);
      expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
      const pane = run.state().sessions.auth!.pane;
      // A confirmation would stop the pane: fail at once, naming it.
      const { waitForScreen: waitWithoutPrompts } = makeScreenReader('Gemini CLI', { ...SCREENS, confirmation: /Apply this change\?/ });
      await waitWithoutPrompts(pane, 'the end of the turn, with no keystroke', OWNED_RUN.done);
      await expectOwnedRun(run, wt);
    } finally {
      await local.close();
    }
  }, 180_000);

  it('a message for the session reaches Gemini when its turn ends: the AfterAgent hook continues it', async () => {
    await killTmuxServer();
    const run = createRunFixture(MESSAGE_RUN.sessions('gemini'), { tmuxSession: 'real-gemini-messages' });
    const local = await startGeminiStandIn([
      // The human tells auth something while Gemini is in its turn: it waits for the AfterAgent hook.
      { text: 'Looked around.', before: MESSAGE_RUN.tell(run) },
      { text: MESSAGE_RUN.continued },
    ]);
    try {
      seedReturningUser(run.root);
      const env = geminiEnv(local.url);
      expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
      const pane = run.state().sessions.auth!.pane;
      const { waitForScreen: waitWithoutPrompts } = makeScreenReader('Gemini CLI', SCREENS);
      await waitWithoutPrompts(pane, 'the continued turn', MESSAGE_RUN.continued);
      expect(local.turnTexts().at(-1)).toContain(`From the human: ${MESSAGE_RUN.message}`);
    } finally {
      await local.close();
    }
  }, 180_000);

  it('review: `gemini -p` as a headless reviewer answers from parx’s sandbox, and cannot write the author’s files', async () => {
    await killTmuxServer();
    const run = createRunFixture(
      {
        auth: { owns: ['src/auth/**'], task: 'Write the token module.', agent: 'shell' },
        payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
      },
      { tmuxSession: 'real-gemini-review', review: { agent: 'gemini', auto: false } },
    );
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    const wt = run.worktree('auth');
    const committed = await inSandbox(run, 'auth', 'echo "export const token = 1;" > src/auth/token.ts && git add -A && git commit -qm "auth: token"');
    expect(committed.exitCode, committed.stderr).toBe(0);
    await waitFor('auth’s commit in the shared store', () => hasCommitObject(run, 'parx/auth') || undefined);
    const submit = join(run.root, '.git/parx/reviews/bin/parx');
    const local = await startGeminiStandIn([
      { call: 'write_file', args: { file_path: join(wt, 'src/auth/token.ts'), content: 'evil\n' } },
      {
        call: 'run_shell_command',
        args: { command: `${submit} review submit --changes --summary "read the token from the environment"`, description: 'Answer' },
      },
      { text: 'Submitted.' },
    ]);
    try {
      seedReturningUser(run.root);
      const review = await runParx(['review', 'auth', '--json'], run.root, geminiEnv(local.url));
      expect(review.exitCode, `${review.stderr}${review.stdout}\n${local.functionResponses().join('\n')}`).toBe(1);
      expect(JSON.parse(review.stdout).reviews[0]).toMatchObject({
        session: 'auth',
        verdict: 'changes',
        reviewer: 'gemini',
        summary: 'read the token from the environment',
      });
      expect(readFileSync(join(wt, 'src/auth/token.ts'), 'utf8')).toBe('export const token = 1;\n');
    } finally {
      await local.close();
    }
  }, 180_000);

  it('usage: parx shows the tokens the model served to the session, from Gemini CLI’s chat record', async () => {
    await killTmuxServer();
    const run = createRunFixture(
      { auth: { owns: ['src/auth/**'], task: 'Look around.', agent: 'gemini' }, payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' } },
      { tmuxSession: 'real-gemini-usage' },
    );
    const local = await startGeminiStandIn([{ text: 'Looked around.' }]);
    try {
      seedReturningUser(run.root);
      expect((await runParx(['up', '--detach'], run.root, geminiEnv(local.url))).exitCode).toBe(0);
      const pane = run.state().sessions.auth!.pane;
      await waitForScreen(pane, 'the end of the turn', 'Looked around.');
      // Each of the turn's requests was answered with 100 prompt and 10 candidate tokens.
      const served = local.turnTexts().length;
      const usage = await waitFor('the usage in status', async () => {
        const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { sessions: Array<{ usage: Record<string, number> | null }> };
        const u = status.sessions[0]!.usage;
        return u && (u.outputTokens ?? 0) >= 10 * served ? u : undefined;
      });
      expect(usage).toMatchObject({ inputTokens: 100 * served, outputTokens: 10 * served, cacheTokens: 0, source: 'gemini-chat' });
    } finally {
      await local.close();
    }
  }, 180_000);
});
