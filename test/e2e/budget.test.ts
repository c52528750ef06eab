import { execa } from 'execa';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, installFakeAgents } from '../helpers/fixture.js';
import { PARX_BIN, runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer } from '../helpers/tmux.js';

/**
 * Usage from the agents' own files, shown by status, and a budget that pauses: a session at its
 * budget has its next write refused by its hook, and `parx budget` lets it go on. The agents here
 * are stand-ins named `claude`; the real Claude Code is in test/real/claude.test.ts.
 */

afterEach(killTmuxServer);

const line = (id: string, input: number, output: number) =>
  `${JSON.stringify({ type: 'assistant', message: { id, usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: 0 } } })}\n`;

describe('usage and budgets', () => {
  it('shows usage by the agent’s transcript, pauses at the budget (the hook refuses), and parx budget lifts it', async () => {
    const run = createRunFixture(
      { auth: { owns: ['src/auth/**'], task: 'Work.', agent: 'claude' }, payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' } },
      { tmuxSession: 'budget', budget: { tokens: 1000 } },
    );
    const env = { ...installFakeAgents(run), PARX_USAGE_TICK_MS: '200' };
    const up = await runParx(['up', '--detach'], run.root, env);
    expect(up.exitCode).toBe(0);
    // A shell has no hooks to pause it with: said, not pretended.
    expect(up.stdout).toMatch(/payments\s+budget not enforced/);
    expect(up.stdout).not.toMatch(/auth\s+budget not enforced/);
    const wt = run.worktree('auth');
    // Claude Code's transcript of this worktree, as it writes it: one message in two lines, then another.
    const dir = join(process.env.HOME!, '.claude', 'projects', wt.replace(/[^A-Za-z0-9]/g, '-'));
    mkdirSync(dir, { recursive: true });
    const transcript = join(dir, 'a1b2.jsonl');
    writeFileSync(transcript, line('m1', 300, 1) + line('m1', 300, 20) + line('m2', 400, 30));
    const status = async () => (JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { sessions: Array<Record<string, unknown>> }).sessions;
    expect((await status())[0]).toMatchObject({
      usage: { inputTokens: 700, outputTokens: 50, cacheTokens: 0, costUsd: null, source: 'claude-transcript' },
      budget: { tokens: 1000, reached: false },
      needsHuman: null,
    });
    // A shell records nothing: no figure, never a made-up one.
    expect((await status())[1]).toMatchObject({ usage: null, budget: { tokens: 1000, reached: false } });

    // A line still being written is not counted, nor does it break anything.
    appendFileSync(transcript, line('m3', 200, 60).slice(0, 30));
    expect(((await status())[0]!.usage as { inputTokens: number }).inputTokens).toBe(700);
    appendFileSync(transcript, line('m3', 200, 60).slice(30));
    const write = { hook_event_name: 'PreToolUse', cwd: wt, tool_name: 'Write', tool_input: { file_path: join(wt, 'src/auth/jwt.ts'), content: 'x' } };
    const hook = () =>
      execa(process.execPath, [PARX_BIN, 'hook', 'check-write', '--common-dir', join(run.root, '.git'), '--session', 'auth', '--agent', 'claude'], {
        cwd: wt,
        input: JSON.stringify(write),
        reject: false,
      });
    // 1010 tokens: the guard pauses it.
    await waitFor('the budget event', () => run.events('budget').find((e) => e.session === 'auth'), 15_000);
    expect(run.events('budget')[0]).toMatchObject({ usage: { inputTokens: 900, outputTokens: 110 }, limit: { tokens: 1000 } });
    const paused = await hook();
    expect(paused.exitCode).toBe(2);
    expect(paused.stderr).toContain('reached its budget (1010 tokens of its 1000)');
    expect((await status())[0]).toMatchObject({ budget: { reached: true }, needsHuman: expect.stringContaining('budget') });
    expect((await runParx(['status'], run.root)).stdout).toContain('auth is paused at its budget');

    // Bad input, then the raise.
    expect((await runParx(['budget', 'ghost', '--tokens', '5000'], run.root)).exitCode).toBe(2);
    const negative = await runParx(['budget', 'auth', '--tokens', '-5'], run.root);
    expect(negative.exitCode).toBe(2);
    expect((await runParx(['budget', 'auth', '--usd', 'lots'], run.root)).stderr).toContain('--usd expects a positive number, got "lots"');
    expect((await runParx(['budget', 'auth'], run.root)).exitCode).toBe(2);
    const raised = await runParx(['budget', 'auth', '--tokens', '5000'], run.root);
    expect(raised.exitCode, raised.stderr).toBe(0);
    expect(raised.stdout).toContain('goes on at its next tool call');
    expect((await hook()).exitCode).toBe(0);
    expect((await status())[0]).toMatchObject({ budget: { tokens: 5000, reached: false }, needsHuman: null });
    // Kept in the run state, not the config file, and an `up` (to apply a config change, say) keeps it.
    expect(run.read('parx.config.json')).not.toContain('5000');
    expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
    expect((await status())[0]).toMatchObject({ budget: { tokens: 5000, reached: false }, needsHuman: null });
    expect((await hook()).exitCode).toBe(0);
  });
});

describe('the agy preset', () => {
  it('starts Antigravity CLI with its prompt, in the sandbox, with no hooks, and says what enforces its ownership', async () => {
    const run = createRunFixture(
      {
        auth: { owns: ['src/auth/**'], task: 'Write the token module.', agent: 'agy' },
        payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
      },
      { tmuxSession: 'agy' },
    );
    const env = installFakeAgents(run);
    const up = await runParx(['up', '--detach'], run.root, env);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    expect(up.stdout).toMatch(/auth\s+sandbox on/);
    expect(up.stdout).toMatch(/auth\s+hooks none\s+Antigravity CLI gets no parx hooks/);
    // The prompt is its last argument; no hook settings are passed.
    const record = await waitFor('the stand-in agy to start', () => {
      try {
        return run.record('auth');
      } catch {
        return undefined;
      }
    });
    expect(record.argv.at(-1)).toContain('Write the token module.');
    expect(record.argv.join(' ')).not.toContain('--settings');
    const doctor = await runParx(['doctor'], run.root, env);
    expect(doctor.stdout).toContain("Antigravity CLI's tool hooks are not dependable");
    const status = JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { sessions: Array<{ hooks: string }> };
    expect(status.sessions[0]!.hooks).toBe('none');
  });
});
