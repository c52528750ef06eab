import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture, installFakeAgents, readEvents, type RunFixture } from '../helpers/fixture.js';
import { PARX_BIN, runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';

afterEach(killTmuxServer);

const sessions = {
  auth: { owns: ['src/auth/**'], task: 'Wait.' },
  payments: { owns: ['src/payments/**'], task: 'Wait.' },
};

/**
 * `parx hook <event>` as an agent runs it: payload on stdin, in the session's worktree, with the
 * run and the session in its argv as `parx up` writes them (`commonDir` undefined: none given).
 */
async function hook(event: string, payload: object, cwd: string, run: { commonDir?: string; session?: string } = {}) {
  const args = [...(run.commonDir ? ['--common-dir', run.commonDir] : []), ...(run.session ? ['--session', run.session] : [])];
  const result = await execa(process.execPath, [PARX_BIN, 'hook', event, ...args], { cwd, input: JSON.stringify(payload), reject: false });
  return { exitCode: result.exitCode, stderr: result.stderr };
}

const events = (run: RunFixture) => readEvents(run.root);
const status = async (run: RunFixture) =>
  JSON.parse((await runParx(['status', '--json'], run.root)).stdout).sessions as Array<{ name: string; state: string; hooks: string }>;

describe('parx hook', () => {
  it('judges the real payloads of Claude Code, Codex and Gemini CLI against the run’s ownership', async () => {
    const run = createRunFixture(sessions);
    expect((await runParx(['up', '--detach'], run.root)).exitCode).toBe(0);
    const wt = run.worktree('auth');
    const env = { commonDir: join(run.root, '.git'), session: 'auth' };
    const claudeWrite = (file_path: string) => ({
      hook_event_name: 'PreToolUse',
      cwd: wt,
      tool_name: 'Write',
      tool_input: { file_path, content: 'x' },
      tool_use_id: 't1',
    });

    expect(await hook('check-write', claudeWrite(join(wt, 'src/auth/jwt.ts')), wt, env)).toEqual({ exitCode: 0, stderr: '' });
    const denied = await hook('check-write', claudeWrite(join(wt, 'src/payments/charge.ts')), wt, env);
    expect(denied.exitCode).toBe(2);
    expect(denied.stderr).toContain('src/payments/charge.ts belongs to session "payments"');

    // Another session's worktree, and the main checkout, are off limits whoever owns the path.
    const across = await hook('check-write', claudeWrite(join(run.worktree('payments'), 'src/payments/charge.ts')), wt, env);
    expect(across.exitCode).toBe(2);
    expect(across.stderr).toContain('is in the worktree of session "payments"');
    expect((await hook('check-write', claudeWrite(join(run.root, 'src/auth/login.ts')), wt, env)).stderr).toContain('main checkout');

    // Claude Code's EnterWorktree would take the session out of its worktree: denied, saying why.
    const leave = await hook('check-write', { hook_event_name: 'PreToolUse', cwd: wt, tool_name: 'EnterWorktree', tool_input: { name: 'mine' } }, wt, env);
    expect(leave.exitCode).toBe(2);
    expect(leave.stderr).toContain('EnterWorktree is not available in a parx session');

    const patch = '*** Begin Patch\n*** Update File: src/auth/login.ts\n@@\n-a\n+b\n*** Add File: src/payments/refund.ts\n+x\n*** End Patch';
    const codex = await hook('check-write', { hook_event_name: 'PreToolUse', cwd: wt, tool_name: 'apply_patch', tool_input: { command: patch } }, wt, env);
    expect(codex.exitCode).toBe(2);
    expect(codex.stderr).toContain('src/payments/refund.ts');

    const geminiOk = await hook(
      'check-write',
      { hook_event_name: 'BeforeTool', cwd: wt, tool_name: 'write_file', tool_input: { file_path: join(wt, 'src/auth/a.ts'), content: '' } },
      wt,
      env,
    );
    expect(geminiOk.exitCode).toBe(0);
    const gemini = await hook(
      'check-write',
      { hook_event_name: 'BeforeTool', cwd: wt, tool_name: 'replace', tool_input: { file_path: 'README.md', old_string: 'a', new_string: 'b' } },
      wt,
      env,
    );
    expect(gemini.exitCode).toBe(2);
    expect(gemini.stderr).toContain('no session owns it');

    expect(
      events(run)
        .filter((e) => e.type === 'denied')
        .map((e) => [e.session, e.path, e.tool, e.owner]),
    ).toEqual([
      ['auth', 'src/payments/charge.ts', 'Write', 'payments'],
      ['auth', join(run.worktree('payments'), 'src/payments/charge.ts'), 'Write', 'payments'],
      ['auth', join(realpathSync(run.root), 'src/auth/login.ts'), 'Write', undefined],
      ['auth', 'src/payments/refund.ts', 'apply_patch', 'payments'],
      ['auth', 'README.md', 'replace', undefined],
    ]);
    // A run that is over (no policy) allows everything and says nothing.
    const elsewhere = mkdtempSync(join(tmpdir(), 'parx-nohook-'));
    expect(await hook('check-write', claudeWrite(join(elsewhere, 'x')), elsewhere, { commonDir: elsewhere, session: 'auth' })).toEqual({
      exitCode: 0,
      stderr: '',
    });
    // Settings from before the run's location was part of the command: a write it cannot judge is denied, saying what to do.
    expect(await hook('check-write', claudeWrite(join(wt, 'src/payments/x.ts')), wt)).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('run `parx up` again'),
    });
    expect((await hook('nonsense', {}, wt, env)).exitCode).toBe(1);
  });

  it('stops a Claude Code session before it writes outside its ownership, and shows when it waits for the human', async () => {
    const run = createRunFixture({
      auth: { owns: ['src/auth/**'], task: 'EDIT src/auth/jwt.ts\nEDIT src/payments/charge.ts\nCOMMIT auth: jwt', agent: 'claude' },
      payments: { owns: ['src/payments/**'], task: 'Wait.' },
    });
    const env = installFakeAgents(run);
    expect((await runParx(['up', '--detach'], run.root, env)).exitCode).toBe(0);
    await waitFor('auth to finish', () => run.isDone('auth') || undefined);

    const argv = run.record('auth').argv;
    const settings = argv[argv.indexOf('--settings') + 1]!;
    expect(settings).toBe(join(run.root, '.git/parx/hooks/auth.claude.json'));
    expect(readFileSync(join(run.records, 'auth.denied'), 'utf8')).toContain(
      'src/payments/charge.ts\tparx: src/payments/charge.ts belongs to session "payments"',
    );
    expect(existsSync(join(run.worktree('auth'), 'src/payments/charge.ts'))).toBe(true); // the original, untouched
    expect(readFileSync(join(run.worktree('auth'), 'src/payments/charge.ts'), 'utf8')).toBe('export const charge = 1;\n');
    expect(run.git('diff', '--name-only', 'main', 'parx/auth').trim()).toBe('src/auth/jwt.ts');
    expect(run.git('-C', run.worktree('auth'), 'status', '--porcelain')).toBe(''); // no hook files in the worktree

    // The Stop hook said "waiting": the guard announces it, status shows it.
    const waiting = await waitFor('the guard to announce auth waiting', () =>
      events(run).find((e) => e.type === 'state' && e.session === 'auth' && e.state === 'waiting'),
    );
    expect(waiting).toMatchObject({ source: 'hook' });
    expect(events(run).some((e) => e.type === 'violation')).toBe(false);
    expect((await status(run)).find((s) => s.name === 'auth')).toMatchObject({ state: 'waiting', hooks: 'active' });
    const pane = run.state().sessions.auth!.pane;
    await waitFor('the pane border to say waiting', () => (tmuxOut('show-options', '-p', '-v', '-t', pane, '@parx_state') === 'waiting' ? true : undefined));

    // A new prompt from the human: working again.
    expect(
      (
        await hook('working', { hook_event_name: 'UserPromptSubmit', cwd: run.worktree('auth') }, run.worktree('auth'), {
          commonDir: join(run.root, '.git'),
          session: 'auth',
        })
      ).exitCode,
    ).toBe(0);
    await waitFor('the guard to see auth working', () => events(run).find((e) => e.type === 'state' && e.session === 'auth' && e.state === 'working'));
  });

  it('gives Codex and Gemini CLI hooks for this run only, through argv and environment', async () => {
    const run = createRunFixture({
      auth: { owns: ['src/auth/**'], task: 'Wait.', agent: 'codex' },
      payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'gemini' },
    });
    const up = await runParx(['up', '--detach'], run.root, installFakeAgents(run));
    expect(up.exitCode).toBe(0);
    for (const s of ['auth', 'payments']) await waitFor(`${s} to start`, () => run.isDone(s) || undefined);
    // This home's Gemini trusts no folder: its hooks will not load until the human trusts the worktree, and parx says so.
    expect(up.stdout).toMatch(/payments\s+hooks need you\s+Gemini CLI does not trust/);
    expect(run.record('payments').env.GEMINI_CLI_TRUST_WORKSPACE).toBeUndefined();
    expect((await runParx(['status'], run.root)).stdout).toContain('Hooks of payments: Gemini CLI does not trust');

    // Configured but never called by the agent (the stand-ins ignore these): status says so rather than pretend.
    expect((await status(run)).map((s) => [s.name, s.hooks])).toEqual([
      ['auth', 'not-seen'],
      ['payments', 'not-seen'],
    ]);

    const codexArgv = run.record('auth').argv;
    expect(codexArgv.slice(0, 2)).toEqual(['-c', 'features.hooks=true']);
    const pre = codexArgv.find((a) => a.startsWith('hooks.PreToolUse='))!;
    const codexCommand = JSON.parse(/command=("(?:[^"\\]|\\.)*")/.exec(pre)![1]!) as string;
    const patch = '*** Begin Patch\n*** Add File: src/payments/x.ts\n+x\n*** End Patch';
    const codex = await execa('sh', ['-c', codexCommand], {
      cwd: run.worktree('auth'),
      input: JSON.stringify({ cwd: run.worktree('auth'), tool_name: 'apply_patch', tool_input: { command: patch } }),
      reject: false,
    });
    expect(codex.exitCode).toBe(2);

    // Gemini gets a home of its own: the user's settings plus parx's hooks, nothing in /etc or ~/.gemini.
    const geminiHome = run.record('payments').env.GEMINI_CLI_HOME!;
    expect(geminiHome).toBe(join(run.root, '.git/parx/gemini/payments'));
    const settingsPath = join(geminiHome, '.gemini', 'settings.json');
    const geminiCommand = JSON.parse(readFileSync(settingsPath, 'utf8')).hooks.BeforeTool[0].hooks[0].command as string;
    const gemini = await execa('sh', ['-c', geminiCommand], {
      cwd: run.worktree('payments'),
      input: JSON.stringify({
        cwd: run.worktree('payments'),
        tool_name: 'write_file',
        tool_input: { file_path: join(run.worktree('payments'), 'src/auth/x.ts'), content: '' },
      }),
      reject: false,
    });
    expect(gemini.exitCode).toBe(2);
    expect(gemini.stderr).toContain('belongs to session "auth"');

    // Once called, the hooks count as active.
    expect((await status(run)).map((s) => [s.name, s.hooks])).toEqual([
      ['auth', 'active'],
      ['payments', 'active'],
    ]);
  });

  it('judges an agent without hooks by its pane: quiet means waiting, output means working', async () => {
    const run = createRunFixture(sessions);
    expect((await runParx(['up', '--detach'], run.root, { PARX_SILENCE_SECONDS: '1' })).exitCode).toBe(0);
    const waiting = await waitFor('auth to count as waiting', () =>
      events(run).find((e) => e.type === 'state' && e.session === 'auth' && e.state === 'waiting'),
    );
    expect(waiting).toMatchObject({ source: 'silence' });
    expect((await status(run)).find((s) => s.name === 'auth')).toMatchObject({ state: 'waiting', hooks: 'none' });

    tmuxOut('send-keys', '-t', run.state().sessions.auth!.pane, 'hello', 'Enter');
    await waitFor('auth to count as working again', () => events(run).find((e) => e.type === 'state' && e.session === 'auth' && e.state === 'working'));
  });
});
