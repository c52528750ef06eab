import { constants } from 'node:fs';
import { mkdir, open, readdir, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { realpath } from '../../adapters/git-dir.js';
import { readUntrusted, readUntrustedJson } from '../../adapters/untrusted-files.js';
import { GEMINI_STATE_FILES, GEMINI_STATE_FOLDERS } from '../../core/agent-home.js';
import { getUserGitDir } from '../../adapters/git.js';
import {
  getClaudeSettings,
  getCodexArgs,
  getGeminiPolicy,
  getGeminiSettings,
  getSessionAgentKind,
  isGeminiPathTrusted,
  quoteShellWord,
  type AgentKind,
  type HookCommands,
} from '../../core/agent-hooks.js';
import { isRecord } from '../../core/hook-payload.js';
import type { SessionConfig } from '../../core/config-validate.js';
import type { OwnershipGrant } from '../../core/ownership.js';
import { getParxArgv } from '../../package-root.js';
import type { Project } from '../common/project.js';

/**
 * What `parx up` sets up so that agents call `parx hook`: the policy the hook judges by, and
 * for each hooked agent its settings (under `<git-common-dir>/parx/hooks/`, never in a
 * worktree), extra argv and environment.
 */

export interface AgentHookSetup {
  kind: AgentKind;
  extraArgs: string[];
  env: Record<string, string>;
  /** What the human should know (hooks that will not load by themselves). */
  notes?: string[];
}

/** The hook policy for every configured session (a session's hook must know the others' worktrees). */
export async function writeHookPolicy(
  project: Project,
  excludes: { snapshot: string; source: string },
  worktreeOf: (session: SessionConfig) => string,
  grants: readonly OwnershipGrant[] = [],
): Promise<void> {
  const gitSources = getGitSources(excludes.source);
  await project.files.writePolicy({
    version: 2,
    root: project.root,
    commonDir: project.commonDir,
    excludesFile: excludes.snapshot,
    gitSources,
    shared: project.config.shared,
    sessions: project.config.sessions.map((s) => ({ name: s.name, owns: s.owns, worktree: realpath(worktreeOf(s)), approve: s.approve ?? 'owned' })),
    grants: grants.map(({ path, to }) => ({ path, to })),
  });
}

/** git's user-wide config and ignore files (real paths): no session may change them. */
export function getGitSources(excludesFile: string): string[] {
  const paths = [excludesFile, join(homedir(), '.gitconfig'), join(getUserGitDir(), 'config'), join(getUserGitDir(), 'ignore')];
  return [...new Set(paths.map((p) => realpath(p)))];
}

/**
 * The shell command line that runs `parx hook <event>` for one session of this run (agents and
 * git run hooks through a shell; every word is a path parx knows or a constant, quoted). The run
 * and the session are fixed here, at `up`: the hook never looks for them in what the agent sends.
 * Node starts without NODE_EXTRA_CA_CERTS: the hook makes no TLS connection, and where that
 * variable is set (as on many corporate machines) every Node start parses a CA bundle, ~30 ms
 * of a ~60 ms start.
 */
export function getHookCommand(event: string, commonDir: string, session?: string, agent?: AgentKind): string {
  const words = ['env', '-u', 'NODE_EXTRA_CA_CERTS', ...getParxArgv('hook', event, '--common-dir', commonDir)];
  if (session) words.push('--session', session);
  // Which agent calls: replies (approvals, messages) are in its own format.
  if (agent) words.push('--agent', agent);
  return words.map(quoteShellWord).join(' ');
}

function getHookCommands(project: Project, session: SessionConfig, kind: AgentKind): HookCommands {
  const hook = (event: string) => getHookCommand(event, project.commonDir, session.name, kind);
  return { checkWrite: hook('check-write'), working: hook('working'), waiting: hook('waiting') };
}

/**
 * The arguments a session's agent gets for its hooks, known before anything is written (the
 * settings file's path is fixed), so that `up` plans the pane's whole command up front.
 * `sandboxed`: the pane runs in parx's OS sandbox (see getCodexArgs for why that matters).
 */
export function getAgentHookArgs(project: Project, session: SessionConfig, sandboxed: boolean): string[] {
  const kind = getSessionAgentKind(session.agent);
  if (kind === 'claude') return ['--settings', project.files.hookSettingsPath(session.name, 'claude')];
  if (kind === 'codex') return getCodexArgs(getHookCommands(project, session, kind), sandboxed);
  return [];
}

/** Writes what a session's agent hooks need (settings, a Gemini home); returns its arguments and environment. */
export async function prepareAgentHooks(project: Project, session: SessionConfig, worktree: string, sandboxed = false): Promise<AgentHookSetup> {
  const kind = getSessionAgentKind(session.agent);
  const commands = getHookCommands(project, session, kind);
  const extraArgs = getAgentHookArgs(project, session, sandboxed);
  switch (kind) {
    case 'claude':
      await project.files.writeHookSettings(session.name, 'claude', getClaudeSettings(commands));
      return { kind, extraArgs, env: {} };
    case 'gemini':
      return prepareGeminiHome(project, session, commands, worktree);
    default:
      return { kind, extraArgs, env: {} };
  }
}

/**
 * A Gemini home of the session's own (GEMINI_CLI_HOME): `.gemini/settings.json` is the user's
 * settings plus parx's hook groups, and every other entry of the user's ~/.gemini is a link to
 * it (logins, history, trusted folders), so nothing of the user's is written. It lives in parx's
 * own folder of the run (`gemini/<session>/`), which the session cannot replace: were it in the
 * session's folder, the session could swap it for a link that `up` would then empty and write
 * through. Inside the sandbox only its `.gemini` folder is writable (Gemini saves its project
 * registry there by temp file and rename), with settings.json kept read-only
 * (ops/common/sandbox.ts). parx refreshes it in place and never empties it: a running
 * sandbox's read-only mount on settings.json must stay where it is. (A system settings
 * file is no way in: Gemini CLI 0.61 skips one whose folders are writable by the user, and would
 * hide the real system settings.) Folder trust: hooks load only in a trusted folder, and each
 * worktree is a new path, so when the user trusts the main checkout the worktree is trusted for
 * this run (GEMINI_CLI_TRUST_WORKSPACE); otherwise Gemini will ask, and `up` says so.
 */
async function prepareGeminiHome(project: Project, session: SessionConfig, commands: HookCommands, worktree: string): Promise<AgentHookSetup> {
  const userDir = join(process.env.GEMINI_CLI_HOME || homedir(), '.gemini');
  const home = project.files.geminiHome(session.name);
  const dir = join(home, '.gemini');
  await mkdir(dir, { recursive: true });
  await Promise.all(GEMINI_STATE_FOLDERS.map((name) => mkdir(join(userDir, name), { recursive: true })));
  const entries = await readdir(userDir).catch(() => [] as string[]);
  const linked = [...new Set([...entries, ...GEMINI_STATE_FILES].filter((e) => e !== 'settings.json'))];
  // What is there already stays (a link from an earlier `up`, a file Gemini saved there).
  await Promise.all(linked.map((e) => symlink(join(userDir, e), join(dir, e)).catch(() => undefined)));
  const existing = await readUserSettings(join(userDir, 'settings.json'));
  // approve: owned — a policy file of the session's own, next to the user's policies (naming
  // any policy file replaces Gemini's default folder, so that folder is named too).
  const policy = session.approve === 'owned' ? getGeminiPolicy(realpath(worktree)) : undefined;
  let policyPaths: string[] | undefined;
  if (policy) {
    const file = join(home, 'parx-policy.toml');
    await writeInPlace(file, policy);
    const userPaths = Array.isArray(existing?.policyPaths)
      ? existing.policyPaths.filter((p): p is string => typeof p === 'string')
      : entries.includes('policies')
        ? [join(dir, 'policies')]
        : [];
    policyPaths = [...userPaths, file];
  }
  await writeInPlace(join(dir, 'settings.json'), `${JSON.stringify(getGeminiSettings(commands, existing, policyPaths), null, 2)}\n`);
  const rules = (await readUserSettings(join(userDir, 'trustedFolders.json'))) ?? {};
  const trusted = isGeminiPathTrusted(rules, realpath(project.root)) === true;
  return {
    kind: 'gemini',
    extraArgs: [],
    env: { GEMINI_CLI_HOME: home, ...(trusted && { GEMINI_CLI_TRUST_WORKSPACE: 'true' }) },
    ...(!trusted && {
      notes: [`Gemini CLI does not trust ${project.root} (its trustedFolders.json): it will ask about the worktree, and load parx's hooks only once trusted`],
    }),
  };
}

/**
 * Writes a file of parx's own that a running sandbox may hold a read-only mount on: only when
 * its text changes, and into the same file (a rename would replace the file the mount is on, and
 * the mount would go with it), never through a link.
 */
async function writeInPlace(path: string, text: string): Promise<void> {
  if ((await readUntrusted(path)) === text) return;
  const file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    await file.writeFile(text);
  } finally {
    await file.close();
  }
}

async function readUserSettings(path: string): Promise<Record<string, unknown> | undefined> {
  const value = await readUntrustedJson<unknown>(path);
  return isRecord(value) ? value : undefined;
}
