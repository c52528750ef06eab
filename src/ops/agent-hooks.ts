import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { realpath } from '../adapters/git-dir.js';
import { getAgentProgram } from '../core/agent-command.js';
import { getAgentKind, getClaudeSettings, getCodexArgs, getGeminiSettings, quoteShellWord, type AgentKind, type HookCommands } from '../core/agent-hooks.js';
import type { SessionConfig } from '../core/config-validate.js';
import type { HookPolicy } from '../core/hook-policy.js';
import { PACKAGE_ROOT } from '../package-root.js';
import type { Project } from './project.js';

/**
 * What `parx up` sets up so that agents call `parx hook`: the policy the hook judges by, and
 * for each hooked agent its settings (under `<git-common-dir>/parx/hooks/`, never in a
 * worktree), extra argv and environment.
 */

export interface AgentHookSetup {
  kind: AgentKind;
  extraArgs: string[];
  env: Record<string, string>;
}

/** The hook policy for every configured session (a session's hook must know the others' worktrees). */
export async function writeHookPolicy(project: Project, worktreeOf: (session: SessionConfig) => string): Promise<void> {
  const policy: HookPolicy = {
    version: 1,
    root: project.root,
    shared: project.config.shared,
    sessions: project.config.sessions.map((s) => ({ name: s.name, owns: s.owns, worktree: realpath(worktreeOf(s)) })),
  };
  await writeJson(project.files.policyPath, policy);
}

export async function prepareAgentHooks(project: Project, session: SessionConfig): Promise<AgentHookSetup> {
  const kind = getAgentKind(getAgentProgram(session.agent));
  // The hook makes no TLS connection: skip NODE_EXTRA_CA_CERTS, which makes every Node start
  // parse a CA bundle (~30 ms of a ~60 ms start where it is set, as on corporate machines).
  const hook = (event: string) => ['env', '-u', 'NODE_EXTRA_CA_CERTS', process.execPath, join(PACKAGE_ROOT, 'bin', 'parx.js'), 'hook', event].map(quoteShellWord).join(' ');
  const commands: HookCommands = { checkWrite: hook('check-write'), working: hook('working'), waiting: hook('waiting') };
  const settingsFile = (agent: string) => join(project.files.dir, 'hooks', `${session.name}.${agent}.json`);
  switch (kind) {
    case 'claude': {
      const file = settingsFile('claude');
      await writeJson(file, getClaudeSettings(commands));
      return { kind, extraArgs: ['--settings', file], env: {} };
    }
    case 'codex':
      return { kind, extraArgs: getCodexArgs(commands), env: {} };
    case 'gemini': {
      // Gemini reads one system settings file; keep what the user's says and add our hooks.
      const file = settingsFile('gemini');
      const existing = await readJson(process.env.GEMINI_CLI_SYSTEM_SETTINGS_PATH ?? '/etc/gemini-cli/settings.json');
      await writeJson(file, getGeminiSettings(commands, existing));
      return { kind, extraArgs: [], env: { GEMINI_CLI_SYSTEM_SETTINGS_PATH: file } };
    }
    default:
      return { kind, extraArgs: [], env: {} };
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
