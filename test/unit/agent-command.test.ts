import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchCommands, batchUnits } from '../../src/adapters/tmux.js';
import { buildAgentArgv, fitPaneCommand, getAgentProgram, MAX_PANE_COMMAND_BYTES, splitCommandLine } from '../../src/core/agent-command.js';

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
    ['agy', ['agy', nasty]],
    ['agy --model gemini-3-pro', ['agy', '--model', 'gemini-3-pro', nasty]],
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

describe('fitPaneCommand (tmux takes at most 16 KB per client message)', () => {
  it('keeps a short command as it is', () => {
    expect(fitPaneCommand(['claude', 'do it'], { text: 'do it', file: '/p.md' })).toEqual(['claude', 'do it']);
  });

  it('starts a command whose last argument is a long prompt through a script that reads the prompt file, byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parx-fit-'));
    const text = `${'long task; $(not run) "quoted" \\ ✓\n'.repeat(600)}\n\n`;
    const file = join(dir, 'prompt.md');
    writeFileSync(file, text);
    const argv = fitPaneCommand([process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', text], { text, file })!;
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv.join(' ').length).toBeLessThan(MAX_PANE_COMMAND_BYTES);
    const received = JSON.parse(execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' })) as string[];
    expect(received).toEqual([text]);
  });

  it('gives up when a long prompt sits mid-command ({promptFile} is the way then)', () => {
    const text = 'x'.repeat(20_000);
    expect(fitPaneCommand(['tool', `--task=${text}`, '--fast'], { text, file: '/p.md' })).toBeUndefined();
  });
});

describe('batchCommands', () => {
  it('groups consecutive commands under the size limit, keeping their order', () => {
    const big = (n: number) => ['split-window', 'x'.repeat(n)];
    const batches = batchCommands([big(600), big(600), ['select-layout', 'tiled'], big(900)], 1500);
    expect(batches.map((b) => b.map((c) => c[0]))).toEqual([['split-window', 'split-window', 'select-layout'], ['split-window']]);
    expect(batchCommands([])).toEqual([]);
  });

  it('keeps a unit of commands whole in one message (batchUnits)', () => {
    const big = (n: number) => ['new-window', 'x'.repeat(n)];
    const setup = ['set-option', '-w', '-t', '=s:{end}', 'remain-on-exit', 'on'];
    // Command by command, the second unit's setup would fit the first message and be cut from its window.
    const units = [
      [big(600), setup],
      [big(800), setup],
      [big(100), setup],
    ];
    expect(batchUnits(units, 1500).map((b) => b.map((c) => c[0]))).toEqual([
      ['new-window', 'set-option'],
      ['new-window', 'set-option', 'new-window', 'set-option'],
    ]);
  });
});
