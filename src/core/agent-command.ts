/**
 * Turns a session's `agent:` into the argv its pane runs. The prompt always travels as one argv
 * element or as a file path, never through a shell: tmux execs a multi-argument command
 * directly (a single argument would go through `sh -c`).
 */

export interface PromptRef {
  /** The rendered prompt, byte for byte. */
  text: string;
  /** Absolute path of the file holding the same text. */
  file: string;
}

const PROMPT = '{prompt}';
const PROMPT_FILE = '{promptFile}';

/**
 * Presets: how each tool takes an initial prompt while staying interactive.
 * `words` come first, then any extra words the user wrote after the preset name, then `tail`.
 */
const PRESETS: Record<string, { words: string[]; tail: string[] }> = {
  // `claude "<prompt>"` opens the interactive REPL with the prompt submitted.
  claude: { words: ['claude'], tail: [PROMPT] },
  // `codex "<prompt>"` opens the TUI with the prompt as the first message.
  codex: { words: ['codex'], tail: [PROMPT] },
  // `-i/--prompt-interactive` runs the prompt and stays interactive (a bare positional is
  // headless in older Gemini CLI versions).
  gemini: { words: ['gemini'], tail: ['--prompt-interactive', PROMPT] },
  // Antigravity CLI (`agy`, Gemini CLI's successor for individual users): the prompt as its first
  // argument, opening its REPL (`-p` would be headless). Built from its documentation and tested
  // with a stand-in: it installs by its vendor's script, not from npm (docs/agents.md).
  agy: { words: ['agy'], tail: [PROMPT] },
  // aider has no "interactive with a first message" flag: `--message-file` processes the task
  // and exits. `--no-gitignore` stops it from editing .gitignore, a write outside ownership.
  aider: { words: ['aider', '--no-gitignore'], tail: ['--message-file', PROMPT_FILE] },
  // A login shell for humans and tests: print the prompt, then hand over. The script is a
  // constant; the prompt file arrives as "$1", so no user text is ever parsed by sh.
  shell: { words: ['sh', '-c', 'cat -- "$1"; echo; exec "${SHELL:-/bin/sh}" -i', 'parx-shell'], tail: [PROMPT_FILE] },
};

export const AGENT_PRESETS = Object.keys(PRESETS);

/** Splits a command line into words like a POSIX shell would, without any expansion. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new Error('ends with a lone backslash');
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`has an unterminated ${quote} quote`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new Error('is empty');
  return words;
}

/**
 * Linux refuses to start a program when any one argument is over 128 KiB (MAX_ARG_STRLEN,
 * its terminating NUL included): the pane would die at exec while `up` reported success.
 */
export const MAX_ARG_BYTES = 128 * 1024 - 1;

/** What a preset agent gets instead of a prompt too long for one argument: where to read it. */
export function getPromptPointer(file: string): string {
  return `Your task and its rules are longer than a command line can carry. Read the whole of ${file} first, then do what it says; it is your prompt.`;
}

/**
 * The argv that starts `agent` with the prompt; `extraArgs` (parx's hook options) go right after
 * the program. A preset whose prompt is too long for one argument gets a pointer to the prompt
 * file instead (every preset's agent reads files); a command line of the user's that places
 * `{prompt}` cannot, and throws, as it does when it cannot be parsed.
 */
export function buildAgentArgv(agent: string, prompt: PromptRef, extraArgs: readonly string[] = []): string[] {
  const words = splitCommandLine(agent);
  const preset = PRESETS[words[0]!];
  const hasPlaceholder = words.some((w) => w.includes(PROMPT) || w.includes(PROMPT_FILE));
  const template =
    preset && !hasPlaceholder
      ? [...preset.words, ...extraArgs, ...words.slice(1), ...preset.tail]
      : [words[0]!, ...extraArgs, ...words.slice(1), ...(hasPlaceholder ? [] : [PROMPT])];
  let text = prompt.text;
  if (new TextEncoder().encode(text).length > MAX_ARG_BYTES && template.some((w) => w.includes(PROMPT))) {
    if (!preset || hasPlaceholder)
      throw new Error(
        `passes the prompt (${Math.ceil(text.length / 1024)} KiB) as an argument, over the 128 KiB one argument can hold; use {promptFile} instead of {prompt}`,
      );
    text = getPromptPointer(prompt.file);
  }
  // One pass per word, so a prompt that itself contains "{promptFile}" is left alone.
  return template.map((w) => w.replace(/\{prompt(File)?\}/g, (m) => (m === PROMPT ? text : prompt.file)));
}

/** The program an agent command line starts (to check it exists before creating anything). */
export function getAgentProgram(agent: string): string {
  return buildAgentArgv(agent, { text: '', file: '' })[0]!;
}

/**
 * The longest agent command parx hands to tmux as arguments. tmux refuses a client message over
 * 16 KB ("command too long"), and a prompt that lists every other session's globs easily reaches
 * a few KB; the rest of the command (cwd, environment) needs room too.
 */
export const MAX_PANE_COMMAND_BYTES = 12_000;

/**
 * Reads the prompt file and appends its text as the last argument, at exec time: a constant
 * script, the prompt arriving as data ("$1" is the file). `printf x` keeps trailing newlines,
 * which command substitution would strip, so the agent still gets the prompt byte for byte.
 */
const PROMPT_FROM_FILE = 'p=$(cat -- "$1"; printf x); shift; exec "$@" "${p%x}"';

/**
 * `argv` as it can go through tmux: unchanged when short enough; when the prompt makes it too
 * long and the prompt is the last argument, started through PROMPT_FROM_FILE instead; otherwise
 * undefined (the prompt sits mid-command: only `{promptFile}` can carry it).
 */
export function fitPaneCommand(argv: readonly string[], prompt: PromptRef): string[] | undefined {
  const bytes = (words: readonly string[]) => words.reduce((n, w) => n + new TextEncoder().encode(w).length + 1, 0);
  if (bytes(argv) <= MAX_PANE_COMMAND_BYTES) return [...argv];
  if (argv.at(-1) !== prompt.text) return undefined;
  const launched = ['sh', '-c', PROMPT_FROM_FILE, 'parx-prompt', prompt.file, ...argv.slice(0, -1)];
  return bytes(launched) <= MAX_PANE_COMMAND_BYTES ? launched : undefined;
}
