import { getAgentProgram } from './agent-command.js';

/**
 * How each agent is told to call `parx hook`, as data. Pure: ops/agent-hooks.ts
 * writes the files and the pane gets the argv and environment. Nothing is ever written into a
 * worktree, where the agent could commit it:
 *   Claude Code  `--settings <file>`: PreToolUse (writes) denies, UserPromptSubmit and
 *                PostToolUse → working, Stop and Notification → waiting.
 *   Codex        `-c` overrides: hooks on (`features.codex_hooks`), PreToolUse on `apply_patch`,
 *                UserPromptSubmit → working, Stop → waiting.
 *   Gemini CLI   GEMINI_CLI_SYSTEM_SETTINGS_PATH: a settings file (the user's system settings
 *                plus ours) with BeforeTool on write_file|replace, BeforeAgent → working,
 *                AfterAgent and Notification → waiting.
 *   aider, shell and anything else have no hooks: the guard is their enforcement.
 */

export type AgentKind = 'claude' | 'codex' | 'gemini' | 'aider' | 'shell' | 'other';

/** The shell command lines an agent runs for each parx hook event. */
export interface HookCommands {
  checkWrite: string;
  working: string;
  waiting: string;
}

const KINDS: Record<string, AgentKind> = { claude: 'claude', codex: 'codex', gemini: 'gemini', aider: 'aider', sh: 'shell' };

/** What kind of agent a program is, by its name (`/opt/bin/claude` is Claude Code). */
export function getAgentKind(program: string): AgentKind {
  return KINDS[program.split('/').pop() ?? program] ?? 'other';
}

/** The kind of agent a session's `agent:` (preset or command line) starts. */
export function getSessionAgentKind(agent: string): AgentKind {
  return getAgentKind(getAgentProgram(agent));
}

export function hasHooks(kind: AgentKind): boolean {
  return kind === 'claude' || kind === 'codex' || kind === 'gemini';
}

/** One POSIX shell word: agents run hook commands through a shell. */
export function quoteShellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

const command = (line: string, timeout?: number) => ({ type: 'command', command: line, ...(timeout ? { timeout } : {}) });

export function getClaudeSettings(c: HookCommands): object {
  return {
    hooks: {
      // Bash too: a best-effort reading of the command's obvious targets, so the model hears
      // which session owns a file before the OS sandbox refuses the write without a reason.
      PreToolUse: [{ matcher: 'Write|Edit|MultiEdit|NotebookEdit|Bash', hooks: [command(c.checkWrite, 10)] }],
      UserPromptSubmit: [{ hooks: [command(c.working, 10)] }],
      // After the human answers a permission prompt no prompt is submitted: the tool running
      // is the sign the agent works again (it went `waiting` with the prompt's Notification).
      PostToolUse: [{ hooks: [command(c.working, 10)] }],
      Stop: [{ hooks: [command(c.waiting, 10)] }],
      Notification: [{ hooks: [command(c.waiting, 10)] }],
    },
  };
}

/** `-c key=value` overrides (values are TOML) that give Codex our hooks for this run only. */
export function getCodexArgs(c: HookCommands): string[] {
  const toml = (s: string) => JSON.stringify(s); // a JSON string is a valid TOML basic string
  const group = (line: string, matcher?: string) => `[{${matcher ? `matcher=${toml(matcher)},` : ''}hooks=[{type="command",command=${toml(line)},timeout=10}]}]`;
  return [
    '-c', 'features.codex_hooks=true',
    '-c', `hooks.PreToolUse=${group(c.checkWrite, 'apply_patch')}`,
    '-c', `hooks.UserPromptSubmit=${group(c.working)}`,
    '-c', `hooks.Stop=${group(c.waiting)}`,
  ];
}

/** The user's system settings (when any) with our hook groups added to theirs. Timeouts in ms. */
export function getGeminiSettings(c: HookCommands, existing: Record<string, unknown> = {}): object {
  const hooks = { ...(typeof existing.hooks === 'object' && existing.hooks !== null ? (existing.hooks as Record<string, unknown[]>) : {}) };
  const add = (event: string, group: object) => (hooks[event] = [...(Array.isArray(hooks[event]) ? hooks[event] : []), group]);
  add('BeforeTool', { matcher: 'write_file|replace', hooks: [command(c.checkWrite, 10_000)] });
  add('BeforeAgent', { hooks: [command(c.working, 10_000)] });
  add('AfterAgent', { hooks: [command(c.waiting, 10_000)] });
  add('Notification', { hooks: [command(c.waiting, 10_000)] });
  return { ...existing, hooks };
}
