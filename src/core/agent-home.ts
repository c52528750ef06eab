/**
 * What each agent keeps in the user's home folder, split by what a session may write there from
 * inside its sandbox. Agents must write their state (conversations, logins, caches) or they stop
 * working; but the same folders hold what the user's own agents load and run later, outside any
 * sandbox: settings with hooks and status-line commands, custom commands, subagents, skills,
 * plugins, memory files. Those stay read-only, so a session cannot plant code or instructions
 * for the user's next run. Pure: ops/common/sandbox.ts gathers and mounts.
 */

export interface AgentConfigEntry {
  /** Relative to the agent's folder (`settings.json`, `commands`). */
  path: string;
  /** A folder of files the agent loads (made empty when missing), or a file (made with `placeholder`). */
  kind: 'file' | 'folder';
  /**
   * What a missing file is created with, so that no session can create it first: the agent reads
   * it as "nothing configured". Undefined: left missing (a file whose empty form the agent would
   * not accept); the agent's own trust check guards it.
   */
  placeholder?: string;
}

export interface AgentFolder {
  /** The agent's folder: a path under the home folder (`.claude`), or the value of `variable` when set. */
  home: string;
  variable?: string;
  config: readonly AgentConfigEntry[];
}

const file = (path: string, placeholder?: string): AgentConfigEntry => ({ path, kind: 'file', ...(placeholder !== undefined && { placeholder }) });
const folder = (path: string): AgentConfigEntry => ({ path, kind: 'folder' });

export const AGENT_FOLDERS: readonly AgentFolder[] = [
  {
    // Claude Code: settings carry hooks, a status-line command and environment; the folders hold
    // slash commands, subagents, hooks' scripts, skills, plugins and output styles; CLAUDE.md is
    // memory every session of the user's reads.
    home: '.claude',
    variable: 'CLAUDE_CONFIG_DIR',
    config: [
      file('settings.json', '{}\n'),
      file('settings.local.json'),
      file('CLAUDE.md', ''),
      folder('commands'),
      folder('agents'),
      folder('hooks'),
      folder('skills'),
      folder('plugins'),
      folder('output-styles'),
      folder('rules'),
    ],
  },
  {
    // Codex: config.toml (MCP servers, notify and hook commands), hooks.json, AGENTS.md, prompts,
    // exec-policy rules and skills.
    home: '.codex',
    variable: 'CODEX_HOME',
    config: [file('config.toml', ''), file('hooks.json'), file('AGENTS.md', ''), folder('prompts'), folder('rules'), folder('skills')],
  },
  {
    // Gemini CLI and the Antigravity CLI (agy) share ~/.gemini: settings, trusted folders,
    // commands, extensions, policies, GEMINI.md; agy's settings and hooks live below it.
    home: '.gemini',
    variable: 'GEMINI_CLI_HOME',
    config: [
      file('settings.json', '{}\n'),
      file('trustedFolders.json', '{}\n'),
      file('GEMINI.md', ''),
      folder('commands'),
      folder('extensions'),
      folder('policies'),
      folder('skills'),
      folder('agents'),
      // agy writes its log beside its settings: only the settings and its hooks are closed.
      file('antigravity-cli/settings.json'),
      file('config/hooks.json'),
    ],
  },
];

/**
 * The top-level entries Gemini CLI writes in its home's `.gemini` folder as it runs. A session's
 * Gemini home is parx's (read-only in the sandbox), so each of these is a link there to the
 * user's own entry, which stays writable: folders are made in the user's `~/.gemini` first (a
 * link to a missing folder cannot be written through), files are created through the link.
 */
export const GEMINI_STATE_FOLDERS = ['tmp', 'history'];
export const GEMINI_STATE_FILES = ['installation_id', 'user_id', 'google_accounts.json', 'oauth_creds.json', 'mcp-oauth-tokens.json', 'projects.json'];

/**
 * Paths named by commands in an agent's settings (`"command": "~/.claude/statusline.sh"`): a
 * script there runs outside any sandbox whenever the user's agent does, so it stays read-only
 * like the settings that name it. Every word that looks like a path is taken: `~/…` (the home
 * folder) or absolute.
 */
export function findCommandPaths(settings: unknown, home: string): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if (!/command|script|helper|path/i.test(key)) return;
      for (const word of value.split(/[\s'"=;|&()<>]+/)) {
        if (word.startsWith('~/')) found.add(`${home}/${word.slice(2)}`);
        else if (word.startsWith('$HOME/')) found.add(`${home}/${word.slice(6)}`);
        else if (word.startsWith('/') && word.length > 1) found.add(word);
      }
    } else if (Array.isArray(value)) value.forEach((v) => visit(v, key));
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  visit(settings, '');
  return [...found];
}
