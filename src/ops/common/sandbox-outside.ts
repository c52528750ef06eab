import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { realpath } from '../../adapters/git-dir.js';
import { readUntrusted } from '../../adapters/untrusted-files.js';
import { AGENT_FOLDERS, findCommandPaths } from '../../core/agent-home.js';
import type { SandboxFacts } from '../../core/sandbox-plan.js';

/**
 * What a sandbox sees outside the repository, the same for a session's pane and for the
 * commands parx runs on code sessions wrote (verify, setup, teardown, resolve, review): temp
 * folders and agents' and tools' state writable, the home folder a scratch layer over the real
 * one, the agents' own settings and code folders read-only, and the user's sockets hidden.
 */

/** Agents' and package managers' folders in the home folder that they write while they run. */
export const HOME_STATE = [
  '.claude',
  '.codex',
  '.gemini',
  '.aider',
  '.npm',
  '.cache',
  '.yarn',
  '.pnpm-store',
  '.local/state/claude',
  '.local/share/claude',
  '.config/claude',
];
/**
 * Files of the home folder itself that agents rewrite by temp file and rename (Claude Code's
 * `~/.claude.json`, with a `.lock` folder beside it). That needs the home folder writable,
 * which would let a session plant a `~/.gitconfig` that git outside the sandbox obeys. So the
 * sandbox's home folder is a scratch folder holding the real entries, and these files are
 * copied into it at each start: the agent reads your state and saves freely, into the copy.
 */
export const HOME_COPIED_FILES = ['.claude.json'];
/** Created when missing: npm and many tools fail when their cache folder cannot be made. */
const HOME_CREATE = ['.npm', '.cache'];

/** The user's sockets a sandbox may be given (`guard.sockets`); every other is hidden. */
export const SOCKET_NAMES = ['ssh-agent', 'gpg-agent', 'dbus', 'display'] as const;
export type SocketName = (typeof SOCKET_NAMES)[number];

/**
 * Variables that point a program at one of the user's sockets: unset inside the sandbox unless
 * that socket is given (a session that reached the session bus could run anything outside,
 * `systemd-run --user`; the ssh or gpg agent signs as the user).
 */
export const SOCKET_VARIABLES: Record<SocketName, string[]> = {
  'ssh-agent': ['SSH_AUTH_SOCK', 'SSH_AGENT_PID'],
  'gpg-agent': ['GPG_AGENT_INFO'],
  dbus: ['DBUS_SESSION_BUS_ADDRESS'],
  display: ['DISPLAY', 'WAYLAND_DISPLAY', 'XAUTHORITY'],
};

/** The variables to unset in a sandbox given only `sockets`. */
export function getHiddenSocketVariables(sockets: readonly SocketName[]): string[] {
  return SOCKET_NAMES.filter((s) => !sockets.includes(s)).flatMap((s) => SOCKET_VARIABLES[s]);
}

export interface OutsideOptions {
  /** The session's `env` and the run's (CODEX_HOME and the like may point elsewhere). */
  env: Readonly<Record<string, string>>;
  /** `writable:` entries that are absolute or `~/`. */
  writable: readonly string[];
  /** The tmux server's socket: hidden, or a session could type into any pane, the human's shell included. */
  tmuxSocket: string | undefined;
  /** `guard.sockets`: the user's sockets this sandbox may reach. */
  sockets: readonly SocketName[];
}

export type OutsideFacts = Pick<SandboxFacts, 'writableOutside' | 'stateReadOnly' | 'hide' | 'home'>;

export async function gatherOutsideFacts(options: OutsideOptions): Promise<OutsideFacts> {
  const home = homedir();
  const lookup = (name: string) => options.env[name] ?? process.env[name];
  const writableOutside: Array<{ path: string; why: string }> = [];
  for (const dir of new Set(['/tmp', '/var/tmp', tmpdir(), process.env.TMPDIR].filter((d): d is string => !!d && existsSync(d)))) {
    writableOutside.push({ path: realpath(dir), why: 'temporary files' });
  }
  for (const rel of HOME_CREATE) await mkdir(join(home, rel), { recursive: true }).catch(() => undefined);
  for (const rel of HOME_STATE) {
    const path = join(home, rel);
    if (existsSync(path)) writableOutside.push({ path: realpath(path), why: 'agent and tool state' });
  }
  for (const variable of ['CODEX_HOME', 'GEMINI_CLI_HOME', 'CLAUDE_CONFIG_DIR']) {
    const value = lookup(variable);
    if (value && existsSync(value)) writableOutside.push({ path: realpath(value), why: `${variable}` });
  }
  for (const entry of options.writable) {
    const path = entry.startsWith('~') ? join(home, entry.slice(1)) : entry;
    await mkdir(path, { recursive: true }).catch(() => undefined);
    if (existsSync(path)) writableOutside.push({ path: realpath(path), why: `writable: ${entry}` });
  }
  const temp = writableOutside.filter((w) => w.why === 'temporary files').map((w) => w.path);
  return {
    writableOutside,
    stateReadOnly: await closeAgentConfig(home, lookup),
    hide: findHiddenSockets(options, home, lookup),
    ...(await readHome(home, temp)),
  };
}

/**
 * The agents' settings and code folders (core/agent-home.ts), read-only inside the writable state
 * folders that hold them. One that is missing is made first (an empty folder, or a file the agent
 * reads as "nothing configured"): a missing path cannot be closed, and a session could create
 * `~/.claude/settings.json` with hooks of its own for the user's next run.
 */
async function closeAgentConfig(home: string, lookup: (name: string) => string | undefined): Promise<Array<{ path: string; why: string }>> {
  const closed: Array<{ path: string; why: string }> = [];
  for (const agent of AGENT_FOLDERS) {
    const dir = (agent.variable && lookup(agent.variable)) || join(home, agent.home);
    if (!existsSync(dir)) continue;
    for (const entry of agent.config) {
      const path = join(dir, entry.path);
      if (!existsSync(path) && existsSync(dirname(path))) {
        if (entry.kind === 'folder') await mkdir(path).catch(() => undefined);
        else if (entry.placeholder !== undefined) await writeFile(path, entry.placeholder, { flag: 'wx' }).catch(() => undefined);
      }
      if (existsSync(path)) closed.push({ path: realpath(path), why: `${agent.home}'s own settings (the user's agent loads it)` });
    }
    // Scripts its settings run (a status line, a hook): they run outside any sandbox too.
    for (const settings of ['settings.json', 'settings.local.json']) {
      const text = await readUntrusted(join(dir, settings), 1024 * 1024);
      if (!text) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue;
      }
      for (const path of findCommandPaths(parsed, home)) {
        if (existsSync(path)) closed.push({ path: realpath(path), why: `named by ${agent.home}/${settings}` });
      }
    }
  }
  return closed;
}

/**
 * The user's sockets, hidden unless `guard.sockets` gives one: the tmux server (always), the
 * runtime folder (`$XDG_RUNTIME_DIR`: the session bus, gpg-agent, Wayland, the user's systemd),
 * the ssh agent's socket, X11's socket folder and `~/.gnupg` (gpg-agent's sockets there).
 */
function findHiddenSockets(options: OutsideOptions, home: string, lookup: (name: string) => string | undefined): SandboxFacts['hide'] {
  const hide: Array<{ path: string; why: string; file?: boolean }> = [];
  const give = new Set(options.sockets);
  if (options.tmuxSocket) hide.push(hideSocket(options.tmuxSocket, 'the tmux server (it could type into any pane)'));
  const runtime = lookup('XDG_RUNTIME_DIR');
  if (runtime && isFolder(runtime)) {
    if (!give.has('dbus') && !give.has('gpg-agent')) hide.push({ path: realpath(runtime), why: "the user's runtime folder (session bus, gpg-agent, systemd)" });
    else {
      if (!give.has('dbus') && existsSync(join(runtime, 'bus'))) hide.push({ path: realpath(join(runtime, 'bus')), why: 'the session bus', file: true });
      if (!give.has('gpg-agent') && isFolder(join(runtime, 'gnupg'))) hide.push({ path: realpath(join(runtime, 'gnupg')), why: 'gpg-agent' });
    }
  }
  const bus = /(?:^|;)unix:path=([^,;]+)/.exec(lookup('DBUS_SESSION_BUS_ADDRESS') ?? '')?.[1];
  if (bus && !give.has('dbus') && existsSync(bus) && !(runtime && bus.startsWith(`${runtime}/`)))
    hide.push({ path: realpath(bus), why: 'the session bus', file: true });
  const ssh = lookup('SSH_AUTH_SOCK');
  if (ssh && !give.has('ssh-agent') && existsSync(ssh) && !(runtime && ssh.startsWith(`${runtime}/`))) hide.push(hideSocket(ssh, 'the ssh agent'));
  if (!give.has('gpg-agent') && isFolder(join(home, '.gnupg'))) hide.push({ path: realpath(join(home, '.gnupg')), why: "gpg-agent's sockets" });
  if (!give.has('display') && isFolder('/tmp/.X11-unix')) hide.push({ path: '/tmp/.X11-unix', why: "the X server's sockets" });
  return hide;
}

function isFolder(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** A socket's private folder (`tmux-<uid>`, `ssh-XXXX`) when it has one, else the socket itself. */
function hideSocket(socket: string, why: string): { path: string; why: string; file?: boolean } {
  const dir = dirname(socket);
  const name = dir.split('/').at(-1)!;
  if (/^(tmux-\d+|ssh-[A-Za-z0-9]+)$/.test(name) && isFolder(dir)) return { path: realpath(dir), why };
  return { path: realpath(socket), why, file: true };
}

/** The home folder's entries, for the sandbox's scratch home (see HOME_COPIED_FILES). */
async function readHome(home: string, tempDirs: readonly string[]): Promise<Pick<SandboxFacts, 'home'>> {
  const real = realpath(home);
  // A home folder that is / or holds a temp folder (HOME=/tmp) gets no scratch layer: it would
  // cover system or temp folders with read-only copies of their entries.
  if (real === '/' || tempDirs.some((t) => t === real || t.startsWith(`${real}/`))) return {};
  const entries = await readdir(real, { withFileTypes: true }).catch(() => []);
  return {
    home: {
      path: real,
      entries: await Promise.all(
        entries
          .filter((e) => !HOME_COPIED_FILES.includes(e.name))
          .map(async (e) =>
            e.isSymbolicLink()
              ? { name: e.name, symlink: await readlink(join(real, e.name)), writable: false }
              : { name: e.name, writable: HOME_STATE.includes(e.name) },
          ),
      ),
    },
  };
}
