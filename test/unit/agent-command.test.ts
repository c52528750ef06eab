import { describe, expect, it } from 'vitest';
import { buildAgentArgv, getAgentProgram, splitCommandLine } from '../../src/core/agent-command.js';

const nasty = `Fix "it" & don't $(rm -rf /) \`whoami\` $HOME;\nline two\t✓ ünïcode -- --flag`;
const prompt = { text: nasty, file: '/repo/.git/parx/prompts/auth.md' };

describe('splitCommandLine', () => {
  it.each([
    ['claude', ['claude']],
    ['  aider   --model  sonnet ', ['aider', '--model', 'sonnet']],
    [`my-agent --name 'two words' "and \\"more\\"" back\\ slash`, ['my-agent', '--name', 'two words', 'and "more"', 'back slash']],
    [`x '' ""`, ['x', '', '']],
    [`x "$HOME" '$(nope)'`, ['x', '$HOME', '$(nope)']],
  ])('splits %s', (line, words) => {
    expect(splitCommandLine(line)).toEqual(words);
  });

  it.each([`x "open`, `x 'open`, 'x \\', '   '])('rejects %j', (line) => {
    expect(() => splitCommandLine(line)).toThrow();
  });
});

describe('buildAgentArgv', () => {
  it.each([
    ['claude', ['claude', nasty]],
    ['claude --model opus', ['claude', '--model', 'opus', nasty]],
    ['codex', ['codex', nasty]],
    ['gemini', ['gemini', '--prompt-interactive', nasty]],
    ['aider --model sonnet', ['aider', '--no-gitignore', '--model', 'sonnet', '--message-file', prompt.file]],
    ['my-agent --fast', ['my-agent', '--fast', nasty]],
    ['my-agent --task {prompt} --quiet', ['my-agent', '--task', nasty, '--quiet']],
    ['my-agent --file={promptFile}', ['my-agent', `--file=${prompt.file}`]],
    ['claude --append {promptFile}', ['claude', '--append', prompt.file]],
  ])('%s', (agent, argv) => {
    expect(buildAgentArgv(agent, prompt)).toEqual(argv);
  });

  it('runs the shell preset as a constant script with the prompt file as $1', () => {
    const argv = buildAgentArgv('shell', prompt);
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[2]).not.toContain(prompt.file);
    expect(argv.at(-1)).toBe(prompt.file);
  });

  it('does not expand placeholders that appear inside the prompt', () => {
    expect(buildAgentArgv('x {prompt}', { text: 'see {promptFile}', file: '/f' })).toEqual(['x', 'see {promptFile}']);
  });

  it('names the program to look for on PATH', () => {
    expect(getAgentProgram('claude')).toBe('claude');
    expect(getAgentProgram('shell')).toBe('sh');
    expect(getAgentProgram('./bin/agent --x')).toBe('./bin/agent');
  });
});
