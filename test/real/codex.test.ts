import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunFixture } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer } from '../helpers/tmux.js';
import { firstSessionStatus, makeScreenReader, readEvents } from './pane.js';
// @ts-expect-error plain ESM helpers without types
import { startOpenAIStandIn } from './openai-stand-in.mjs';
// @ts-expect-error plain ESM helpers without types
import { installAgents } from './install.mjs';

/**
 * The real Codex CLI (version pinned in versions.json), driven offline by a stand-in of the
 * Responses API, in parx's OS sandbox, with a home folder seeded as a returning user's (an API
 * key, the main checkout trusted). Its model sends `apply_patch` for payments' file (parx's
 * PreToolUse hook must deny it, naming the owner), then for an owned file (it must apply), then
 * ends its turn.
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

describe('the real Codex CLI in a parx session', () => {
  it('denies a foreign apply_patch before it happens naming the owner, applies an owned one, with no review screen', async () => {
    const run = createRunFixture(
      { auth: { owns: ['src/auth/**'], task: 'Write the token module.', agent: 'codex' }, payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' } },
      { tmuxSession: 'real-codex' },
    );
    const wt = run.worktree('auth');
    standIn = await startOpenAIStandIn([
      { patch: '*** Begin Patch\n*** Update File: src/payments/charge.ts\n@@\n-export const charge = 1;\n+evil\n*** End Patch' },
      { patch: '*** Begin Patch\n*** Add File: src/auth/token.ts\n+export const token = 1;\n*** End Patch' },
      { text: 'Done: src/auth/token.ts is written; src/payments/charge.ts belongs to payments.' },
    ]);
    seedReturningUser(run.root, standIn.url);
    const env = { PATH: `${dirname(codex)}:${process.env.PATH}`, OPENAI_API_KEY: 'sk-parx-real-agent' };
    expect(execFileSync(codex, ['--version'], { encoding: 'utf8' })).toContain(JSON.parse(readFileSync(new URL('./versions.json', import.meta.url), 'utf8')).codex.version);
    const configBefore = readFileSync(join(process.env.HOME!, '.codex', 'config.toml'), 'utf8');

    // parx doctor finds the real CLI and nothing in the way of its hooks.
    const doctor = await runParx(['doctor'], run.root, env);
    expect(doctor.exitCode, doctor.stdout).toBe(0);

    const up = await runParx(['up', '--detach'], run.root, env);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    expect(up.stdout).toMatch(/auth\s+sandbox on/);
    const pane = run.state().sessions.auth!.pane;

    await waitForScreen(pane, 'the end of the turn', 'Done: src/auth/token.ts is written');
    const told = standIn.toolOutputs().join('\n');
    expect(existsSync(join(wt, 'src/auth/token.ts')), `Codex was told: ${told}`).toBe(true);
    expect(readFileSync(join(wt, 'src/auth/token.ts'), 'utf8')).toBe('export const token = 1;\n');
    expect(readFileSync(join(wt, 'src/payments/charge.ts'), 'utf8')).toBe('export const charge = 1;\n');
    expect(standIn.toolOutputs().join('\n')).toContain('src/payments/charge.ts belongs to session "payments"');
    // Trust for this run only: nothing of parx's lands in the user's Codex config (Codex itself
    // keeps notes there, such as which notices it has shown).
    const configAfter = readFileSync(join(process.env.HOME!, '.codex', 'config.toml'), 'utf8');
    expect(configAfter.startsWith(configBefore.trimEnd())).toBe(true);
    expect(configAfter, configAfter).not.toMatch(/hooks|trusted_hash/);

    const events = () => readEvents(run);
    await waitFor('the denial in events.jsonl', () => events().find((e) => e.type === 'denied' && e.owner === 'payments' && e.tool === 'apply_patch'), 15_000);
    expect(await firstSessionStatus(run)).toMatchObject({ state: 'waiting', hooks: 'active' });
  }, 180_000);
});
