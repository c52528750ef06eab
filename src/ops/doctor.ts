import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { probeBwrap } from '../adapters/bwrap.js';
import { findExecutable, readProgramOutput } from '../adapters/files.js';
import { listTreeFiles, MIN_GIT, realpath } from '../adapters/git.js';
import { findPerl } from '../adapters/sandbox-live.js';
import { getFileSystemTypes } from '../adapters/mounts.js';
import { MIN_TMUX } from '../adapters/tmux.js';
import { describeEventlessFileSystem } from '../core/file-systems.js';
import { judgeAgentVersion, readSemver, readVersion } from '../core/version.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { getAgentProgram } from '../core/agent-command.js';
import { getSessionAgentKind, isGeminiPathTrusted } from '../core/agent-hooks.js';
import { checkHosts } from './hosts/doctor.js';
import { loadProject, type Project } from './common/project.js';

/**
 * `parx doctor`: what parx needs from this machine and the agents' set-ups, each with the fix
 * when it is a problem. Nothing is changed. Outside a repository (or with a config that does
 * not load) only the machine is checked, and that is said.
 */

export interface DoctorCheck {
  name: string;
  status: 'ok' | 'problem' | 'note';
  detail: string;
  fix?: string;
}

export interface DoctorResult {
  ok: boolean;
  checks: DoctorCheck[];
}

export async function runDoctor(options: { configPath?: string | undefined } = {}): Promise<DoctorResult> {
  const project = await loadProject({ ...options, fresh: true }).catch((error: Error) => error);
  const checks = await Promise.all([
    checkTool('git', ['--version'], [MIN_GIT.major, MIN_GIT.minor], 'apt install git (parx needs git ≥ 2.38)'),
    checkTool('tmux', ['-V'], MIN_TMUX, 'apt install tmux (parx needs tmux ≥ 3.2)'),
    checkSandbox(),
    checkInotify(project instanceof Error ? undefined : project),
    checkFileEvents(project instanceof Error ? undefined : project),
  ]);
  if (project instanceof Error) {
    checks.push({ name: 'config', status: 'note', detail: `no run to check agents for: ${project.message.split('\n')[0]}` });
  } else {
    for (const agent of new Set(project.config.sessions.map((s) => s.agent))) checks.push(...(await checkAgent(project, agent)));
    checks.push(...(await checkHosts(project)));
  }
  return { ok: checks.every((c) => c.status !== 'problem'), checks };
}

async function checkTool(name: string, args: string[], min: readonly [number, number], fix: string): Promise<DoctorCheck> {
  const result = await readProgramOutput(name, args);
  if (result.failed) return { name, status: 'problem', detail: `${name} is not installed`, fix };
  const text = result.stdout;
  return readVersion(text, min)?.atLeast === false ? { name, status: 'problem', detail: `${text} is too old`, fix } : { name, status: 'ok', detail: text };
}

async function checkSandbox(): Promise<DoctorCheck> {
  const probe = await probeBwrap();
  if (probe.ok) {
    // Grants change a running sandbox through a Perl script (adapters/sandbox-live.ts).
    const live = (await findPerl()) ? 'grants reach running sandboxes' : 'no perl: a grant opens in a sandbox only when its pane restarts';
    return {
      name: 'sandbox',
      status: 'ok',
      detail: `bubblewrap works (${probe.program}): panes run with only what their session may change writable; ${live}`,
    };
  }
  return {
    name: 'sandbox',
    status: 'problem',
    detail: probe.reason,
    fix: 'apt install bubblewrap (or set guard.sandbox: off to run unsandboxed, flagged but not prevented)',
  };
}

/**
 * The guard watches every folder of every worktree: one inotify watch per folder, so the
 * kernel's per-user limit must cover (sessions + 1) × the repository's folders, with room for
 * everything else the user runs.
 */
async function checkInotify(project: Project | undefined): Promise<DoctorCheck> {
  const read = async (name: string) => Number((await readFile(`/proc/sys/fs/inotify/${name}`, 'utf8').catch(() => '')).trim()) || undefined;
  const watches = await read('max_user_watches');
  if (watches === undefined) return { name: 'inotify', status: 'note', detail: 'no inotify limits here (not Linux): the guard uses the platform watcher' };
  if (!project) return { name: 'inotify', status: 'ok', detail: `max_user_watches ${watches}` };
  // The worktrees hold base's files: its tree says how many folders each one watches.
  const files = await listTreeFiles(project.root, project.base).catch(() => [] as string[]);
  const folders = new Set(files.map((f) => f.split('/').slice(0, -1).join('/'))).size + 1;
  const needed = folders * (project.config.sessions.length + 1) * 2;
  if (watches < needed) {
    return {
      name: 'inotify',
      status: 'problem',
      detail: `max_user_watches is ${watches}; this repository needs about ${needed} (${folders} folders × ${project.config.sessions.length} worktrees + the main one, doubled for headroom)`,
      fix: `sudo sysctl fs.inotify.max_user_watches=${Math.max(524288, needed)} (and in /etc/sysctl.d/ to keep it)`,
    };
  }
  return { name: 'inotify', status: 'ok', detail: `max_user_watches ${watches} (about ${needed} needed)` };
}

/** Whether the guard's kernel file events arrive where the worktrees are (see core/file-systems.ts). */
async function checkFileEvents(project: Project | undefined): Promise<DoctorCheck> {
  const where = project ? dirname(project.worktreeDir) : process.cwd();
  const [fsType] = await getFileSystemTypes([where]);
  const watcher = project?.config.guard.watcher ?? 'fs';
  const why = fsType ? describeEventlessFileSystem(fsType) : undefined;
  if (!why) return { name: 'file events', status: 'ok', detail: `${where} is on ${fsType ?? 'a local file system'}: the guard watches with kernel events` };
  if (watcher === 'poll') return { name: 'file events', status: 'ok', detail: `${where} is on ${fsType}, ${why}: the guard polls (guard.watcher: poll)` };
  return {
    name: 'file events',
    status: 'problem',
    detail: `${where} is on ${fsType}, ${why}: kernel file events miss changes made from elsewhere`,
    fix: 'set guard.watcher: poll in the config',
  };
}

async function checkAgent(project: Project, agent: string): Promise<DoctorCheck[]> {
  const program = getAgentProgram(agent);
  const kind = getSessionAgentKind(agent);
  const users = project.config.sessions
    .filter((s) => s.agent === agent)
    .map((s) => s.name)
    .join(', ');
  const name = `agent ${program} (${users})`;
  const path = await findExecutable(program, project.root);
  if (!path)
    return [
      {
        name,
        status: 'problem',
        detail: `${program} is not installed or not on PATH`,
        fix: INSTALL[kind] ?? `install ${program}, or change the agent of ${users}`,
      },
    ];
  if (kind === 'agy') {
    return [
      {
        name,
        status: 'note',
        detail: `${path}: Antigravity CLI's tool hooks are not dependable across its versions, so parx gives it none: the OS sandbox and the guard enforce ownership, its state comes from its pane`,
      },
    ];
  }
  if (kind !== 'claude' && kind !== 'codex' && kind !== 'gemini') {
    return [{ name, status: 'note', detail: `${path}: no hooks (the OS sandbox and the guard enforce ownership)` }];
  }
  const version = await readProgramOutput(path, ['--version'], 15_000);
  const checks: DoctorCheck[] = [
    {
      name,
      status: version.failed ? 'problem' : 'ok',
      detail: version.failed ? `${path} --version failed: ${version.stderr.split('\n')[0] ?? ''}` : `${path}: ${version.stdout}`,
      ...(version.failed && { fix: INSTALL[kind] }),
    },
  ];
  if (!version.failed) checks.push(checkTestedVersion(kind, version.stdout));
  if (kind === 'claude' && /(^|\s)--bare(\s|$)/.test(agent))
    checks.push({
      name: 'claude hooks',
      status: 'problem',
      detail: `${users} run${users.includes(',') ? '' : 's'} Claude Code with --bare, which loads no hooks: parx could not deny a write before it happens`,
      fix: 'remove --bare from the agent command line (parx passes its hooks with --settings)',
    });
  if (kind === 'gemini') checks.push(await checkGeminiTrust(project));
  if (kind === 'claude') checks.push(await checkClaudeHooks());
  if (kind === 'codex')
    checks.push({
      name: 'codex hooks',
      status: 'ok',
      detail: 'passed on the command line with their trust for the run (no review screen)',
    });
  return checks;
}

/** The versions of each agent the real-agent suite ran on (shipped in the package). */
function readTestedVersions(): Record<string, { version: string; previous?: string }> {
  try {
    return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'test', 'real', 'versions.json'), 'utf8')) as Record<string, { version: string; previous?: string }>;
  } catch {
    return {};
  }
}

/** The installed version next to the versions parx was tested with; a note when it is outside them. */
function checkTestedVersion(kind: string, versionText: string): DoctorCheck {
  const pins = readTestedVersions()[kind];
  const installed = readSemver(versionText);
  const tested = pins ? [pins.version, ...(pins.previous ? [pins.previous] : [])] : [];
  const name = `${kind} version`;
  if (!installed || tested.length === 0) return { name, status: 'note', detail: `cannot tell which version is installed (${versionText.trim()})` };
  const judged = judgeAgentVersion(installed, tested);
  const list = tested.join(' and ');
  if (judged === 'tested') return { name, status: 'ok', detail: `${installed}, a version parx was tested with (${list})` };
  return {
    name,
    status: 'note',
    detail: `${installed} is ${judged === 'between' ? 'between the versions' : `${judged} than every version`} parx was tested with (${list}): its hooks, settings or trust screens may have changed`,
    fix: judged === 'older' ? `update it (${INSTALL[kind] ?? 'see its docs'})` : 'if a session misbehaves, pin a tested version, and tell parx',
  };
}

const INSTALL: Partial<Record<string, string>> = {
  claude: 'npm install -g @anthropic-ai/claude-code',
  codex: 'npm install -g @openai/codex',
  gemini: 'npm install -g @google/gemini-cli',
  agy: "install Antigravity CLI with its vendor's script (it is not on npm)",
};

async function checkGeminiTrust(project: Project): Promise<DoctorCheck> {
  const file = join(process.env.GEMINI_CLI_HOME || homedir(), '.gemini', 'trustedFolders.json');
  const rules = await readFile(file, 'utf8')
    .then((t) => JSON.parse(t) as Record<string, unknown>)
    .catch(() => ({}));
  if (isGeminiPathTrusted(rules, realpath(project.root)) === true) {
    return { name: 'gemini hooks', status: 'ok', detail: `${project.root} is trusted: worktrees are trusted for the run, so hooks load` };
  }
  return {
    name: 'gemini hooks',
    status: 'problem',
    detail: `Gemini CLI does not trust ${project.root}: it loads no hooks in an untrusted folder and will ask in every worktree`,
    fix: `trust the repository in Gemini CLI (run gemini in ${project.root} and choose to trust it, or add "${realpath(project.root)}": "TRUST_FOLDER" to ${file})`,
  };
}

async function checkClaudeHooks(): Promise<DoctorCheck> {
  const file = join(process.env.CLAUDE_CONFIG_DIR || join(homedir(), '.claude'), 'settings.json');
  const settings = await readFile(file, 'utf8')
    .then((t) => JSON.parse(t) as Record<string, unknown>)
    .catch((): Record<string, unknown> => ({}));
  if (settings.disableAllHooks === true) {
    return {
      name: 'claude hooks',
      status: 'problem',
      detail: `${file} has "disableAllHooks": true: parx's hooks would not run`,
      fix: `remove "disableAllHooks" from ${file}`,
    };
  }
  return { name: 'claude hooks', status: 'ok', detail: 'passed with --settings for each session' };
}
