import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  getAgentKind,
  getClaudeSettings,
  getCodexArgs,
  getCodexHookHash,
  getGeminiPolicy,
  getGeminiSettings,
  isGeminiPathTrusted,
  quoteShellWord,
} from '../../src/core/agent-hooks.js';
import { buildAgentArgv } from '../../src/core/agent-command.js';

describe('agent hook settings', () => {
  const commands = { checkWrite: "'/n o/node' /p/parx.js hook check-write", working: 'w', waiting: 'x' };

  it('quotes shell words so that sh reads them back exactly', () => {
    const words = ['/usr/bin/node', "/home/it's me/parx.js", 'a b', '$HOME', '`id`'];
    const out = execFileSync('sh', ['-c', `printf '%s\\n' ${words.map(quoteShellWord).join(' ')}`], { encoding: 'utf8' });
    expect(out.trimEnd().split('\n')).toEqual(words);
  });

  it('gives Claude Code a PreToolUse deny hook on writes and Stop/Notification state hooks', () => {
    const settings = getClaudeSettings(commands) as { hooks: Record<string, Array<{ matcher?: string; hooks: Array<{ command: string }> }>> };
    expect(settings.hooks.PreToolUse![0]).toMatchObject({
      matcher: 'Write|Edit|MultiEdit|NotebookEdit|Bash|EnterWorktree',
      hooks: [{ type: 'command', command: commands.checkWrite }],
    });
    expect(settings.hooks.Stop![0]!.hooks[0]!.command).toBe('x');
    expect(settings.hooks.Notification![0]!.hooks[0]!.command).toBe('x');
    expect(settings.hooks.UserPromptSubmit![0]!.hooks[0]!.command).toBe('w');
    // A permission answered by the human submits no prompt: a finished tool means working again.
    expect(settings.hooks.PostToolUse![0]!.hooks[0]!.command).toBe('w');
  });

  it('turns Codex hooks on for the run with -c overrides whose values are TOML, each trusted by its hash', () => {
    const args = getCodexArgs(commands);
    expect(args.slice(0, 2)).toEqual(['-c', 'features.hooks=true']);
    const state = args.find((a) => a.startsWith('hooks.state='))!;
    expect(state).toContain(
      `"/<session-flags>/config.toml:pre_tool_use:0:0"={trusted_hash="${getCodexHookHash('pre_tool_use', commands.checkWrite, 'apply_patch|Bash')}"}`,
    );
    expect(state).toContain(`"/<session-flags>/config.toml:stop:0:0"={trusted_hash="${getCodexHookHash('stop', commands.waiting)}"}`);
    expect(args).not.toContain('--sandbox');
    expect(getCodexArgs(commands, true).slice(-2)).toEqual(['--sandbox', 'danger-full-access']);
    const pre = args.find((a) => a.startsWith('hooks.PreToolUse='))!;
    expect(pre).toBe(`hooks.PreToolUse=[{matcher="apply_patch|Bash",hooks=[{type="command",command=${JSON.stringify(commands.checkWrite)},timeout=10}]}]`);
  });

  // What Codex 0.169.0 itself saved in config.toml after "Trust all and continue" for these hooks.
  it.each([
    ['pre_tool_use', 'echo hi', 'apply_patch', 'sha256:4f24ba8b54416baa639a35d0c802f539bf9b76988e931780aa25b31608cd9eef'],
    ['stop', 'echo stop', undefined, 'sha256:a8e0141775bd6a3b3b88eb049d910eb8d1028a460ba76026e36e846da1dc2844'],
  ])('hashes a Codex %s hook as Codex does', (event, line, matcher, hash) => {
    expect(getCodexHookHash(event, line, matcher)).toBe(hash);
  });

  it("keeps the user's Gemini settings and adds BeforeTool on write_file|replace|run_shell_command, AfterTool → working", () => {
    const settings = getGeminiSettings(commands, { ui: { theme: 'x' }, hooks: { BeforeTool: [{ matcher: 'run_shell_command', hooks: [] }] } }) as {
      ui: unknown;
      hooks: Record<string, Array<{ matcher?: string }>>;
    };
    expect(settings.ui).toEqual({ theme: 'x' });
    expect(settings.hooks.BeforeTool!.map((g) => g.matcher)).toEqual(['run_shell_command', 'write_file|replace|run_shell_command']);
    expect(Object.keys(settings.hooks)).toEqual(['BeforeTool', 'BeforeAgent', 'AfterAgent', 'Notification', 'AfterTool']);
  });

  it.each([
    [{ '/home/u/code': 'TRUST_FOLDER' }, '/home/u/code/shop', true],
    [{ '/home/u/code/shop/README.md': 'TRUST_PARENT' }, '/home/u/code/shop', true],
    [{ '/home/u/code': 'TRUST_FOLDER', '/home/u/code/shop': 'DO_NOT_TRUST' }, '/home/u/code/shop', false],
    [{ '/home/u/code': 'DO_NOT_TRUST', '/home/u/code/shop': 'TRUST_FOLDER' }, '/home/u/code/shop', true],
    [{ '/home/u/code2': 'TRUST_FOLDER' }, '/home/u/code', undefined],
    [{ '/home/u/code': 'SOMETHING_ELSE' }, '/home/u/code', undefined],
  ])('Gemini folder trust %j for %s → %s', (rules, path, trusted) => {
    expect(isGeminiPathTrusted(rules, path)).toBe(trusted);
  });

  it('puts the hook options right after the agent program, before the prompt', () => {
    expect(buildAgentArgv('claude --model opus', { text: 'do it', file: '/p.md' }, ['--settings', '/s.json'])).toEqual([
      'claude',
      '--settings',
      '/s.json',
      '--model',
      'opus',
      'do it',
    ]);
    expect(buildAgentArgv('/opt/bin/codex {prompt}', { text: 'do it', file: '/p.md' }, ['-c', 'a=b'])).toEqual(['/opt/bin/codex', '-c', 'a=b', 'do it']);
    expect(getAgentKind('/opt/bin/claude')).toBe('claude');
    expect(getAgentKind('sh')).toBe('shell');
    expect(getAgentKind('vim')).toBe('other');
  });
});

/** Gemini CLI's sorted JSON of a call's arguments, each top-level pair between NUL characters. */
const args = (filePath: string) => `{\0"content":"x"\0,\0"file_path":${JSON.stringify(filePath)}\0}`;

describe('getGeminiPolicy', () => {
  const policy = getGeminiPolicy('/tmp/a.b/wt')!;
  const pattern = new RegExp(/argsPattern = '(.*)'/.exec(policy)![1]!);

  it.each([
    ['/tmp/a.b/wt/src/x.ts', true],
    ['/tmp/a.b/wt/deep/er/x', true],
    ['/tmp/a.b/wt/..x/y', true],
    // A `..` is the hook's to judge: it resolves the path and answers ask (Gemini refuses lookaheads here).
    ['/tmp/a.b/wt/../etc/x', true],
    ['/tmp/aXb/wt/x', false],
    ['/tmp/a.b/wt2/x', false],
    ['/tmp/a.b/wt', false],
    ['src/x.ts', false],
  ])('%s in the worktree → approved: %s', (path, approved) => {
    expect(pattern.test(args(path))).toBe(approved);
  });

  it('has no quantified group (Gemini drops such a rule as a ReDoS risk)', () => {
    expect(pattern.source).not.toMatch(/\)[*+?]/);
  });

  it('is a TOML rule for write_file and replace, and no rule at all for a path TOML cannot hold', () => {
    expect(policy).toContain('toolName = ["write_file", "replace"]');
    expect(policy).toContain('decision = "allow"');
    expect(getGeminiPolicy("/tmp/it's/wt")).toBeUndefined();
  });
});
