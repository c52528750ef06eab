import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { getAgentKind, getClaudeSettings, getCodexArgs, getCodexHookHash, getGeminiSettings, isGeminiPathTrusted, quoteShellWord } from '../../src/core/agent-hooks.js';
import { buildAgentArgv } from '../../src/core/agent-command.js';
import { getWriteTargets, parsePatchTargets } from '../../src/core/hook-payload.js';
import { judgeWrites, within, type HookPolicy } from '../../src/core/hook-policy.js';

// Payload shapes as the agents send them (Claude Code 2.1 payloads captured live).
const claude = (tool_name: string, tool_input: object) => ({
  session_id: 's1', transcript_path: '/tmp/t.jsonl', cwd: '/w/auth', prompt_id: 'p1', permission_mode: 'default',
  hook_event_name: 'PreToolUse', tool_name, tool_input, tool_use_id: 'toolu_1',
});
const CODEX_PATCH = [
  '*** Begin Patch',
  '*** Add File: src/auth/new.ts',
  '+export const x = 1;',
  '*** Update File: src/auth/login.ts',
  '*** Move to: src/payments/login.ts',
  '@@',
  '-a',
  '+b',
  '*** Delete File: README.md',
  '*** End Patch',
].join('\n');
const codex = { session_id: 'c1', cwd: '/w/auth', hook_event_name: 'PreToolUse', tool_name: 'apply_patch', tool_input: { command: CODEX_PATCH }, tool_use_id: 'call_1' };
const gemini = (tool_name: string, file_path: string) => ({
  session_id: 'g1', transcript_path: '/tmp/g.json', cwd: '/w/auth', hook_event_name: 'BeforeTool', timestamp: '2026-11-22T10:00:00Z', tool_name, tool_input: { file_path, content: 'x' },
});

describe('getWriteTargets', () => {
  it.each<[string, unknown, string[] | undefined]>([
    ['Claude Write', claude('Write', { file_path: '/w/auth/src/auth/a.ts', content: 'x' }), ['/w/auth/src/auth/a.ts']],
    ['Claude Edit', claude('Edit', { file_path: '/w/auth/a.ts', old_string: 'a', new_string: 'b', replace_all: false }), ['/w/auth/a.ts']],
    ['Claude MultiEdit', claude('MultiEdit', { file_path: '/w/auth/a.ts', edits: [] }), ['/w/auth/a.ts']],
    ['Claude NotebookEdit (notebook_path)', claude('NotebookEdit', { notebook_path: '/w/auth/n.ipynb', new_source: '', cell_id: 'c' }), ['/w/auth/n.ipynb']],
    ['Claude Bash (its command is read by the hook; the sandbox is the guarantee)', claude('Bash', { command: 'echo > x' }), []],
    ['Codex apply_patch', codex, ['src/auth/new.ts', 'src/auth/login.ts', 'src/payments/login.ts', 'README.md']],
    ['Gemini write_file', gemini('write_file', '/w/auth/a.ts'), ['/w/auth/a.ts']],
    ['Gemini replace', gemini('replace', 'src/a.ts'), ['src/a.ts']],
    ['Gemini read_file', gemini('read_file', '/w/auth/a.ts'), undefined],
    ['Codex Bash (its exec_command, read like Claude\'s)', { ...codex, tool_name: 'Bash', tool_input: { command: 'echo > x' } }, []],
    ['Gemini run_shell_command (read like Claude\'s Bash)', { ...gemini('run_shell_command', ''), tool_input: { command: 'echo > x' } }, []],
    ['not an object', 'nonsense', undefined],
  ])('%s', (_, payload, paths) => {
    expect(getWriteTargets(payload)?.paths).toEqual(paths);
  });

  it('hands every shell tool\'s command line on to be read', () => {
    expect(getWriteTargets({ ...codex, tool_name: 'Bash', tool_input: { command: 'echo > x' } })?.shell).toBe('echo > x');
    expect(getWriteTargets({ ...gemini('run_shell_command', ''), tool_input: { command: 'tee y' } })?.shell).toBe('tee y');
  });

  it('takes the cwd from the payload and finds a patch under other keys or as argv', () => {
    expect(getWriteTargets(codex)?.cwd).toBe('/w/auth');
    expect(getWriteTargets({ tool_name: 'apply_patch', tool_input: { command: ['apply_patch', CODEX_PATCH] } })?.paths).toHaveLength(4);
    expect(parsePatchTargets('*** Update File: a b.ts  \r\n*** Update File: a b.ts\n')).toEqual(['a b.ts']);
    // Codex trims header lines before reading them: indented headers write too.
    expect(parsePatchTargets('*** Begin Patch\n  *** Update File: src/b/y.ts\n@@\n-a\n+b\n\t*** Add File: src/b/z.ts\n+x\n*** End Patch')).toEqual(['src/b/y.ts', 'src/b/z.ts']);
  });
});

describe('judgeWrites', () => {
  const policy: HookPolicy = {
    version: 2,
    root: '/repo',
    commonDir: '/repo/.git',
    excludesFile: '/home/me/.config/git/ignore',
    gitSources: ['/home/me/.config/git/ignore', '/home/me/.gitconfig'],
    shared: ['package-lock.json'],
    sessions: [
      { name: 'auth', owns: ['src/auth/**'], worktree: '/repo.parx/auth' },
      { name: 'payments', owns: ['src/payments/**'], worktree: '/repo.parx/payments' },
    ],
  };
  const judge = (paths: string[], ignored = (_: string) => false) => judgeWrites(policy, 'auth', paths, ignored);

  it('allows owned, shared and git-ignored paths, and paths outside the repository', () => {
    expect(judge(['/repo.parx/auth/src/auth/login.ts', '/repo.parx/auth/package-lock.json', '/tmp/scratch.txt'])).toEqual({ allow: true, owned: false });
    expect(judge(['/repo.parx/auth/dist/out.js'], (p) => p.startsWith('dist/'))).toEqual({ allow: true, owned: false });
  });

  // `owned` is what approve: owned may vouch for: the session's own files and shared ones only.
  it.each<[string, string[], boolean]>([
    ['an owned file', ['/repo.parx/auth/src/auth/login.ts'], true],
    ['a shared file', ['/repo.parx/auth/package-lock.json'], true],
    ['owned and shared together', ['/repo.parx/auth/src/auth/a.ts', '/repo.parx/auth/package-lock.json'], true],
    ['a path outside the repository', ['/tmp/scratch.txt'], false],
    ['an owned file and one outside', ['/repo.parx/auth/src/auth/a.ts', '/tmp/x'], false],
    ['no target', [], false],
  ])('vouches for %s: %s', (_, targets, owned) => {
    expect(judge(targets)).toEqual({ allow: true, owned });
  });

  it('vouches for an ignored build file only as allowed, not owned', () => {
    expect(judge(['/repo.parx/auth/dist/out.js'], (p) => p.startsWith('dist/'))).toEqual({ allow: true, owned: false });
  });

  it('follows grants: a granted path is the grantee\'s, and no longer its old owner\'s', () => {
    const granted = { ...policy, grants: [{ path: 'src/payments/charge.ts', to: 'auth' }] };
    expect(judgeWrites(granted, 'auth', ['/repo.parx/auth/src/payments/charge.ts'], () => false)).toEqual({ allow: true, owned: true });
    expect(judgeWrites(granted, 'payments', ['/repo.parx/payments/src/payments/charge.ts'], () => false)).toMatchObject({ allow: false, owner: 'auth' });
    expect(judgeWrites(granted, 'auth', ['/repo.parx/auth/src/payments/refund.ts'], () => false)).toMatchObject({ allow: false, owner: 'payments' });
  });

  it('denies a trespass naming the owner and telling the agent to stop and report', () => {
    const decision = judge(['/repo.parx/auth/src/auth/ok.ts', '/repo.parx/auth/src/payments/charge.ts']);
    expect(decision).toMatchObject({ allow: false, path: 'src/payments/charge.ts', owner: 'payments' });
    const reason = (decision as { reason: string }).reason;
    expect(reason).toContain('belongs to session "payments"');
    expect(reason).toContain('owns only src/auth/**');
    expect(reason).toMatch(/stop and report/);
  });

  it.each([
    ['no session owns it', '/repo.parx/auth/README.md', 'README.md', 'no session owns it'],
    ['another worktree', '/repo.parx/payments/src/payments/x.ts', '/repo.parx/payments/src/payments/x.ts', 'worktree of session "payments"'],
    ['the main checkout', '/repo/src/auth/login.ts', '/repo/src/auth/login.ts', 'main checkout'],
    // `..notes.md` is a file name, not a way out: it is in the worktree, and nobody owns it.
    ['a name starting with ..', '/repo.parx/auth/..notes.md', '..notes.md', 'no session owns it'],
    ['the worktree’s .git link', '/repo.parx/auth/.git', '/repo.parx/auth/.git', "git's own data"],
    ['a nested .git anywhere', '/repo.parx/auth/src/auth/.git/config', '/repo.parx/auth/src/auth/.git/config', "git's own data"],
    ['the common dir', '/repo/.git/parx/hooks/policy.json', '/repo/.git/parx/hooks/policy.json', "git's own data"],
    ['git’s user-wide ignore file', '/home/me/.config/git/ignore', '/home/me/.config/git/ignore', 'configures git'],
    ['git’s user config', '/home/me/.gitconfig', '/home/me/.gitconfig', 'configures git'],
    // Only ignore rules exempt a dependency folder, not its name.
    ['a node_modules folder in another session’s area', '/repo.parx/auth/src/payments/node_modules/evil.js', 'src/payments/node_modules/evil.js', 'belongs to session "payments"'],
  ])('denies %s', (_, target, path, reason) => {
    const decision = judge([target]);
    expect(decision).toMatchObject({ allow: false, path });
    expect((decision as { reason: string }).reason).toContain(reason);
  });

  it('never lets ignore rules open .git', () => {
    expect(judge(['/repo.parx/auth/.git/hooks/pre-commit'], () => true)).toMatchObject({ allow: false });
  });
});

describe('within', () => {
  it.each([
    ['/w', '/w', ''],
    ['/w', '/w/a/b.ts', 'a/b.ts'],
    ['/w', '/w/..notes.md', '..notes.md'],
    ['/w', '/w/...', '...'],
    ['/w', '/w/../x', undefined],
    ['/w', '/x/w', undefined],
    ['/w', '/wx/a', undefined],
  ])('%s contains %s → %j', (dir, path, expected) => {
    expect(within(dir, path)).toBe(expected);
  });
});

describe('agent hook settings', () => {
  const commands = { checkWrite: "'/n o/node' /p/parx.js hook check-write", working: 'w', waiting: 'x' };

  it('quotes shell words so that sh reads them back exactly', () => {
    const words = ['/usr/bin/node', "/home/it's me/parx.js", 'a b', '$HOME', '`id`'];
    const out = execFileSync('sh', ['-c', `printf '%s\\n' ${words.map(quoteShellWord).join(' ')}`], { encoding: 'utf8' });
    expect(out.trimEnd().split('\n')).toEqual(words);
  });

  it('gives Claude Code a PreToolUse deny hook on writes and Stop/Notification state hooks', () => {
    const settings = getClaudeSettings(commands) as { hooks: Record<string, Array<{ matcher?: string; hooks: Array<{ command: string }> }>> };
    expect(settings.hooks.PreToolUse![0]).toMatchObject({ matcher: 'Write|Edit|MultiEdit|NotebookEdit|Bash', hooks: [{ type: 'command', command: commands.checkWrite }] });
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
    expect(state).toContain(`"/<session-flags>/config.toml:pre_tool_use:0:0"={trusted_hash="${getCodexHookHash('pre_tool_use', commands.checkWrite, 'apply_patch|Bash')}"}`);
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
    const settings = getGeminiSettings(commands, { ui: { theme: 'x' }, hooks: { BeforeTool: [{ matcher: 'run_shell_command', hooks: [] }] } }) as { ui: unknown; hooks: Record<string, Array<{ matcher?: string }>> };
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
    expect(buildAgentArgv('claude --model opus', { text: 'do it', file: '/p.md' }, ['--settings', '/s.json'])).toEqual(['claude', '--settings', '/s.json', '--model', 'opus', 'do it']);
    expect(buildAgentArgv('/opt/bin/codex {prompt}', { text: 'do it', file: '/p.md' }, ['-c', 'a=b'])).toEqual(['/opt/bin/codex', '-c', 'a=b', 'do it']);
    expect(getAgentKind('/opt/bin/claude')).toBe('claude');
    expect(getAgentKind('sh')).toBe('shell');
    expect(getAgentKind('vim')).toBe('other');
  });
});
