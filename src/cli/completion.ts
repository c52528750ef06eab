import type { Command, Option } from 'commander';

/**
 * Shell completion, decided here and only displayed by the shells: `parx completion bash|zsh|fish`
 * prints a small script that, on each TAB, runs `parx __complete -- <words>` (the words after
 * `parx`, the last one being the word under the cursor) and shows what it prints. One logic for
 * three shells, read from the commander program itself, so a new command or flag completes
 * without touching the scripts.
 */

export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

type ValueKind = 'sessions' | 'files' | 'shells' | 'text';

interface OptionSpec {
  flags: string[];
  description: string;
  /** What its value is, when it takes one. */
  value?: ValueKind;
}

interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** What each positional argument is; the last one repeats when it is variadic. */
  args: ValueKind[];
  variadic: boolean;
  /** Its own commands (`review submit`, `review show`…), offered where its first argument goes. */
  subcommands: CommandSpec[];
}

export interface CompletionSpec {
  commands: CommandSpec[];
  globalOptions: OptionSpec[];
}

/** What to offer: candidates (value and description), or the shell's own file completion. */
export type Completion = { kind: 'words'; words: Array<[string, string]> } | { kind: 'files' };

const valueOf = (name: string): ValueKind => (/session/.test(name) ? 'sessions' : /path|file/.test(name) ? 'files' : /shell/.test(name) ? 'shells' : 'text');

function describeOption(option: Option): OptionSpec {
  const flags = [option.short, option.long].filter((f): f is string => Boolean(f));
  const takes = option.required || option.optional;
  const argName = /<([^>]+)>|\[([^\]]+)\]/.exec(option.flags);
  return { flags, description: option.description, ...(takes && { value: valueOf(argName?.[1] ?? argName?.[2] ?? '') }) };
}

export function getCompletionSpec(program: Command): CompletionSpec {
  const help: OptionSpec = { flags: ['-h', '--help'], description: 'show help' };
  return {
    globalOptions: [...program.options.map(describeOption), help],
    commands: describeCommands(program, help),
  };
}

/** Commander's own list of what --help shows (hidden commands left out), less its help command. */
function describeCommands(parent: Command, help: OptionSpec): CommandSpec[] {
  return parent
    .createHelp()
    .visibleCommands(parent)
    .filter((c) => c.name() !== 'help')
    .map((c) => ({
      name: c.name(),
      description: c.description(),
      options: [...c.options.filter((o) => !o.hidden).map(describeOption), help],
      args: c.registeredArguments.map((a) => valueOf(a.name())),
      variadic: c.registeredArguments.at(-1)?.variadic ?? false,
      subcommands: describeCommands(c, help),
    }));
}

/**
 * Completes the last of `words` (the words after `parx`). `sessions` is asked only when a
 * session name may come next.
 */
export async function complete(spec: CompletionSpec, words: readonly string[], sessions: () => Promise<string[]>): Promise<Completion> {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const matching = (candidates: Array<[string, string]>): Completion => ({ kind: 'words', words: candidates.filter(([value]) => value.startsWith(current)) });
  const flagsOf = (options: readonly OptionSpec[]) =>
    options.flatMap((o) => o.flags.filter((f) => f.startsWith('--') || current.length < 2).map((f): [string, string] => [f, o.description]));
  const findOption = (options: readonly OptionSpec[], word: string | undefined) => options.find((o) => word !== undefined && o.flags.includes(word));

  // The command is the first word that is neither a global option nor a global option's value.
  let index = 0;
  while (index < before.length && before[index]!.startsWith('-')) index += findOption(spec.globalOptions, before[index])?.value ? 2 : 1;
  let command = index < before.length ? spec.commands.find((c) => c.name === before[index]) : undefined;
  // `parx review show …`: the subcommand's own options and arguments from there on.
  const sub = command?.subcommands.find((c) => c.name === before[index + 1]);
  if (command && sub) {
    command = sub;
    index++;
  }
  if (index >= before.length) {
    if (findOption(spec.globalOptions, before.at(-1))?.value) return valueCompletion('files');
    return current.startsWith('-') ? matching(flagsOf(spec.globalOptions)) : matching(spec.commands.map((c) => [c.name, c.description]));
  }
  if (!command) return { kind: 'words', words: [] };

  const options = [...command.options, ...spec.globalOptions];
  const pending = findOption(options, before.at(-1));
  if (pending?.value) return valueCompletion(pending.value);
  if (current.startsWith('-')) return matching(flagsOf(command.options));

  // Positional arguments so far: the words after the command that are not options or their values.
  const positional: string[] = [];
  for (let i = index + 1; i < before.length; i++) {
    const word = before[i]!;
    if (word.startsWith('-')) i += findOption(options, word)?.value ? 1 : 0;
    else positional.push(word);
  }
  const kind = command.args[positional.length] ?? (command.variadic ? command.args.at(-1) : undefined);
  const subcommands = positional.length === 0 ? command.subcommands.map((c): [string, string] => [c.name, c.description]) : [];
  const offered = subcommands.filter(([value]) => value.startsWith(current));
  if (!kind) return { kind: 'words', words: offered };
  const values = await valueCompletion(kind, positional);
  return values.kind === 'words' ? { kind: 'words', words: [...offered, ...values.words] } : values;

  async function valueCompletion(kind: ValueKind, taken: readonly string[] = []): Promise<Completion> {
    switch (kind) {
      case 'files':
        return { kind: 'files' };
      case 'shells':
        return matching(SHELLS.map((s) => [s, `the ${s} completion script`]));
      case 'sessions':
        return matching((await sessions()).filter((s) => !taken.includes(s)).map((s) => [s, 'session']));
      case 'text':
        return { kind: 'words', words: [] };
    }
  }
}

/** What `parx __complete` prints: a first line `words` or `files`, then `value<TAB>description` lines. */
export function formatCompletion(completion: Completion): string {
  if (completion.kind === 'files') return 'files\n';
  return ['words', ...completion.words.map(([value, description]) => `${value}\t${description.replace(/\s+/g, ' ')}`)].join('\n') + '\n';
}

/** The script each shell sources; it runs `parx __complete` and shows its answer. */
export function getCompletionScript(shell: Shell): string {
  return SCRIPTS[shell];
}

const SCRIPTS: Record<Shell, string> = {
  bash: `# parx completion for bash. Add to ~/.bashrc:  eval "$(parx completion bash)"
_parx_complete() {
  local IFS=$'\\n' line
  local -a out
  out=($(parx __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)) || return 0
  COMPREPLY=()
  if [[ \${out[0]} == files ]]; then
    COMPREPLY=($(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}"))
    return 0
  fi
  for line in "\${out[@]:1}"; do COMPREPLY+=("\${line%%$'\\t'*}"); done
}
complete -o default -F _parx_complete parx
`,
  zsh: `#compdef parx
# parx completion for zsh. Add to ~/.zshrc (after compinit):  source <(parx completion zsh)
_parx() {
  local -a lines values
  local line
  lines=("\${(@f)$(parx __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ \${lines[1]} == files ]]; then
    _files
    return
  fi
  for line in "\${(@)lines[2,-1]}"; do
    [[ -n $line ]] && values+=("\${\${line%%$'\\t'*}//:/\\\\:}:\${line#*$'\\t'}")
  done
  _describe -t parx 'parx' values
}
if (( $+functions[compdef] )); then compdef _parx parx; fi
`,
  fish: `# parx completion for fish. Add to ~/.config/fish/config.fish:  parx completion fish | source
function __parx_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l out (parx __complete -- $words[2..-1] 2>/dev/null)
    test (count $out) -gt 0; or return
    if test "$out[1]" = files
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\\n' $out[2..-1]
end
complete -c parx -f -a '(__parx_complete)'
`,
};
