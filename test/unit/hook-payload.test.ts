import { describe, expect, it } from 'vitest';
import { getWriteTargets, parsePatchTargets } from '../../src/core/hook-payload.js';

// Payload shapes as the agents send them (Claude Code 2.1 payloads captured live).
const claude = (tool_name: string, tool_input: object) => ({
  session_id: 's1',
  transcript_path: '/tmp/t.jsonl',
  cwd: '/w/auth',
  prompt_id: 'p1',
  permission_mode: 'default',
  hook_event_name: 'PreToolUse',
  tool_name,
  tool_input,
  tool_use_id: 'toolu_1',
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

const codex = {
  session_id: 'c1',
  cwd: '/w/auth',
  hook_event_name: 'PreToolUse',
  tool_name: 'apply_patch',
  tool_input: { command: CODEX_PATCH },
  tool_use_id: 'call_1',
};

const gemini = (tool_name: string, file_path: string) => ({
  session_id: 'g1',
  transcript_path: '/tmp/g.json',
  cwd: '/w/auth',
  hook_event_name: 'BeforeTool',
  timestamp: '2026-11-22T10:00:00Z',
  tool_name,
  tool_input: { file_path, content: 'x' },
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
    ["Codex Bash (its exec_command, read like Claude's)", { ...codex, tool_name: 'Bash', tool_input: { command: 'echo > x' } }, []],
    ["Gemini run_shell_command (read like Claude's Bash)", { ...gemini('run_shell_command', ''), tool_input: { command: 'echo > x' } }, []],
    ['not an object', 'nonsense', undefined],
  ])('%s', (_, payload, paths) => {
    expect(getWriteTargets(payload)?.paths).toEqual(paths);
  });

  it("hands every shell tool's command line on to be read", () => {
    expect(getWriteTargets({ ...codex, tool_name: 'Bash', tool_input: { command: 'echo > x' } })?.shell).toBe('echo > x');
    expect(getWriteTargets({ ...gemini('run_shell_command', ''), tool_input: { command: 'tee y' } })?.shell).toBe('tee y');
  });

  it('takes the cwd from the payload and finds a patch under other keys or as argv', () => {
    expect(getWriteTargets(codex)?.cwd).toBe('/w/auth');
    expect(getWriteTargets({ tool_name: 'apply_patch', tool_input: { command: ['apply_patch', CODEX_PATCH] } })?.paths).toHaveLength(4);
    expect(parsePatchTargets('*** Update File: a b.ts  \r\n*** Update File: a b.ts\n')).toEqual(['a b.ts']);
    // Codex trims header lines before reading them: indented headers write too.
    expect(parsePatchTargets('*** Begin Patch\n  *** Update File: src/b/y.ts\n@@\n-a\n+b\n\t*** Add File: src/b/z.ts\n+x\n*** End Patch')).toEqual([
      'src/b/y.ts',
      'src/b/z.ts',
    ]);
  });
});
