import { createHash } from 'node:crypto';
import { getAgentProgram } from './agent-command.js';

/**
 * How each agent is told to call `parx hook`, as data. Pure: ops/up/agent-hooks.ts
 * writes the files and the pane gets the argv and environment. Nothing is ever written into a
 * worktree, where the agent could commit it:
 *   Claude Code  `--settings <file>`: PreToolUse (writes) denies, UserPromptSubmit and
 *                PostToolUse → working, Stop and Notification → waiting.
 *   Codex        `-c` overrides: hooks on (`features.hooks`), each trusted for this run by its
 *                hash, PreToolUse on `apply_patch` and `Bash`, UserPromptSubmit and PostToolUse → working,
 *                PermissionRequest and Stop → waiting.
 *   Gemini CLI   GEMINI_CLI_HOME: a Gemini home of the session's own whose settings are the
 *                user's plus ours (BeforeTool on write_file|replace|run_shell_command, BeforeAgent and AfterTool →
 *                working, AfterAgent and Notification → waiting), every other entry linked to
 *                the user's ~/.gemini.
 *   agy          its tool hooks load on some versions and not others (1.2.7 drops PreToolUse):
 *                parx gives it none; the OS sandbox and the guard enforce its ownership, and
 *                its state is read from its pane.
 *   aider, shell and anything else have no hooks: the guard is their enforcement.
 */

export type AgentKind = 'claude' | 'codex' | 'gemini' | 'agy' | 'aider' | 'shell' | 'other';

/** The shell command lines an agent runs for each parx hook event. */
export interface HookCommands {
  checkWrite: string;
  working: string;
  waiting: string;
}

const KINDS: Record<string, AgentKind> = { claude: 'claude', codex: 'codex', gemini: 'gemini', agy: 'agy', aider: 'aider', sh: 'shell' };

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
      // EnterWorktree: denied, it would take the session out of its worktree (core/hook-payload.ts).
      PreToolUse: [{ matcher: 'Write|Edit|MultiEdit|NotebookEdit|Bash|EnterWorktree', hooks: [command(c.checkWrite, 10)] }],
      UserPromptSubmit: [{ hooks: [command(c.working, 10)] }],
      // After the human answers a permission prompt no prompt is submitted: the tool running
      // is the sign the agent works again (it went `waiting` with the prompt's Notification).
      PostToolUse: [{ hooks: [command(c.working, 10)] }],
      Stop: [{ hooks: [command(c.waiting, 10)] }],
      Notification: [{ hooks: [command(c.waiting, 10)] }],
    },
  };
}

/**
 * `-c key=value` overrides (values are TOML) that give Codex our hooks for this run only.
 * Codex runs a hook given on its command line only once it is trusted: otherwise the pane stops
 * at "Hooks need review" before the first turn (and "Continue without trusting" runs none). So
 * each handler comes with its trust entry, `hooks.state."/<session-flags>/config.toml:<event>:
 * <group>:<handler>".trusted_hash`, for this run only: nothing is written to the user's
 * ~/.codex. `features.hooks` is the current switch (`features.codex_hooks` is deprecated).
 */
export function getCodexArgs(c: HookCommands, sandboxed = false): string[] {
  const toml = (s: string) => JSON.stringify(s); // a JSON string is a valid TOML basic string
  const groups: Array<[event: string, snake: string, line: string, matcher?: string]> = [
    // Codex names its shell tool (`exec_command`) `Bash` to hooks, with the command line in
    // `tool_input.command`, as Claude does: judged the same way.
    ['PreToolUse', 'pre_tool_use', c.checkWrite, 'apply_patch|Bash'],
    ['UserPromptSubmit', 'user_prompt_submit', c.working],
    // Asking the human to approve is waiting; a tool finishing (after the answer) is working.
    ['PermissionRequest', 'permission_request', c.waiting],
    ['PostToolUse', 'post_tool_use', c.working],
    ['Stop', 'stop', c.waiting],
  ];
  // One inline table for the trust entries: Codex splits a `-c` key at every dot, quoted or
  // not, so a key holding `config.toml` cannot be written as a dotted path.
  const trust = groups.map(
    ([, snake, line, matcher]) => `${toml(`/<session-flags>/config.toml:${snake}:0:0`)}={trusted_hash=${toml(getCodexHookHash(snake, line, matcher))}}`,
  );
  return [
    '-c',
    'features.hooks=true',
    ...groups.flatMap(([event, , line, matcher]) => [
      '-c',
      `hooks.${event}=[{${matcher ? `matcher=${toml(matcher)},` : ''}hooks=[{type="command",command=${toml(line)},timeout=10}]}]`,
    ]),
    '-c',
    `hooks.state={${trust.join(',')}}`,
    // Inside parx's OS sandbox Codex cannot start its own (no user namespaces are left to it):
    // every patch failed ("Failed to write file"). parx's sandbox confines its writes instead.
    ...(sandboxed ? ['--sandbox', 'danger-full-access'] : []),
  ];
}

/**
 * Codex's trust hash of one hook group with one command handler: sha256 of the group as JSON,
 * keys sorted at every level, no spaces (checked against what Codex 0.169.0 saves after "Trust
 * all and continue"). The group has no `matcher` key for events without one.
 */
export function getCodexHookHash(eventName: string, command: string, matcher?: string): string {
  const group = { event_name: eventName, ...(matcher !== undefined && { matcher }), hooks: [{ type: 'command', command, timeout: 10, async: false }] };
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(sortKeys(group)))
    .digest('hex')}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

/** The user's own Gemini settings (when any) with our hook groups added to theirs. Timeouts in ms. */
export function getGeminiSettings(c: HookCommands, existing: Record<string, unknown> = {}, policyPaths?: readonly string[]): object {
  const hooks = { ...(typeof existing.hooks === 'object' && existing.hooks !== null ? (existing.hooks as Record<string, unknown[]>) : {}) };
  const add = (event: string, group: object) => (hooks[event] = [...(Array.isArray(hooks[event]) ? hooks[event] : []), group]);
  add('BeforeTool', { matcher: 'write_file|replace|run_shell_command', hooks: [command(c.checkWrite, 10_000)] });
  add('BeforeAgent', { hooks: [command(c.working, 10_000)] });
  add('AfterAgent', { hooks: [command(c.waiting, 10_000)] });
  add('Notification', { hooks: [command(c.waiting, 10_000)] });
  // After the human confirms a tool, no new prompt starts: the tool finishing means working.
  add('AfterTool', { hooks: [command(c.working, 10_000)] });
  return { ...existing, hooks, ...(policyPaths && { policyPaths }) };
}

/**
 * A Gemini CLI policy file (TOML) that approves `write_file` and `replace` in the session's
 * worktree without asking (approve: owned). A hook cannot approve in Gemini, a policy rule can;
 * the rule covers the whole worktree (a regex over the call's `file_path`) and parx's BeforeTool
 * hook narrows it: it resolves the path (`..`, symlinks) and answers `ask` for any write the
 * session does not own (an ignored build file, a path that leads out), and denies other
 * sessions' files. (Gemini refuses a rule whose regex it deems at risk of ReDoS, such as one
 * with a quantified group, so the `..` check is the hook's alone.) Gemini matches the rule
 * against its sorted JSON of the arguments, each top-level pair between NUL characters.
 * Undefined when the path cannot be written in a TOML literal string.
 */
export function getGeminiPolicy(worktree: string): string | undefined {
  const prefix = JSON.stringify(`${worktree.replace(/\/+$/, '')}/`)
    .slice(1, -1)
    .replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const pattern = `\\x00"file_path":"${prefix}[^"\\\\]*"\\x00`;
  if (/['\n\r]/.test(pattern)) return undefined;
  return [
    '# Written by parx for one session: edits in its worktree need no confirmation (approve: owned).',
    "# parx's BeforeTool hook still denies other sessions' files and asks about files it does not own.",
    '[[rule]]',
    'toolName = ["write_file", "replace"]',
    `argsPattern = '${pattern}'`,
    'decision = "allow"',
    'priority = 1',
    '',
  ].join('\n');
}

/**
 * Whether Gemini CLI's `trustedFolders.json` rules trust `path` (undefined: no rule says). A
 * `TRUST_FOLDER` rule covers its folder and everything under it, `TRUST_PARENT` its parent
 * folder, `DO_NOT_TRUST` its folder; the most specific rule decides.
 */
export function isGeminiPathTrusted(rules: Record<string, unknown>, path: string): boolean | undefined {
  let best: { length: number; trusted: boolean } | undefined;
  for (const [folder, level] of Object.entries(rules)) {
    const base = level === 'TRUST_PARENT' ? folder.replace(/\/[^/]*\/?$/, '') || '/' : folder.replace(/\/+$/, '') || '/';
    const within = path === base || path.startsWith(base === '/' ? '/' : `${base}/`);
    if (!within || (level !== 'TRUST_FOLDER' && level !== 'TRUST_PARENT' && level !== 'DO_NOT_TRUST')) continue;
    if (!best || base.length >= best.length) best = { length: base.length, trusted: level !== 'DO_NOT_TRUST' };
  }
  return best?.trusted;
}
