import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { minimatch } from 'minimatch';
import { probeBwrap, wrapInSandbox, type SandboxProbe } from '../../adapters/bwrap.js';
import { resolveGitDir } from '../../adapters/git-dir.js';
import {
  getSandboxTipRef,
  getUserGitDir,
  linkSessionBranch,
  listTrackedFiles,
  readBranchFile,
  realpath,
  restorePlainBranch,
  storeBranchInSessionFolder,
} from '../../adapters/git.js';
import { changeSandbox, findSandboxPid } from '../../adapters/sandbox-live.js';
import { getPanePid } from '../../adapters/tmux-panes.js';
import { getSessionAgentKind } from '../../core/agent-hooks.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { UsageError } from '../../core/errors.js';
import type { OwnershipGrant } from '../../core/ownership.js';
import type { RunState } from '../../core/run-state.js';
import {
  getGlobPrefix,
  getGrantedPaths,
  getLiteralIgnoredFolders,
  isExactPrefix,
  isWithin,
  openFilesByFolder,
  planLiveGrant,
  planSandboxMounts,
  type PathKind,
  toBwrapArgs,
  type SandboxFacts,
  type SandboxMount,
} from '../../core/sandbox-plan.js';
import type { Project } from './project.js';

/**
 * A session's OS sandbox (bubblewrap): gathers the facts core/sandbox-plan.ts turns into mounts,
 * creates what must exist to be opened (owned folders, build folders, the session's branch
 * folder), and writes bwrap's options to a file of the run (read-only to every session).
 */

export interface SessionSandbox {
  enabled: boolean;
  /** Why it is off, or a remark about what was left closed. */
  notes: string[];
  /** bwrap and the file of its options, when enabled. */
  program?: string;
  argsFile?: string;
  args?: string[];
  mounts?: SandboxMount[];
}

/** Agents' and package managers' folders in the home folder that they write while they run. */
const HOME_STATE = [
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

/** Decides, per session, whether it runs sandboxed: `on` refuses when bwrap cannot work here. */
export async function decideSandbox(sessions: readonly SessionConfig[]): Promise<{ probe: SandboxProbe | undefined; enabled: Set<string> }> {
  const wanted = sessions.filter((s) => s.sandbox !== 'off');
  if (wanted.length === 0) return { probe: undefined, enabled: new Set() };
  const probe = await probeBwrap();
  if (!probe.ok) {
    const required = sessions.filter((s) => s.sandbox === 'on').map((s) => s.name);
    if (required.length > 0) throw new UsageError(`sandbox: on for ${required.join(', ')}, but ${probe.reason}`);
    return { probe, enabled: new Set() };
  }
  return { probe, enabled: new Set(wanted.map((s) => s.name)) };
}

export interface SandboxContext {
  probe: SandboxProbe | undefined;
  enabled: ReadonlySet<string>;
  /** The tmux server's socket: hidden, or a session could type into any pane, the human's shell included. */
  tmuxSocket: string | undefined;
  /** git's user-wide config and ignore files, kept read-only. */
  gitSources: readonly string[];
  /** Ignore rules as base, the repository and the user-wide snapshot have them (read once per `up`). */
  ignoreRules: readonly string[];
  /** The run's grants so far (a restarted pane's sandbox keeps them). */
  grants: readonly OwnershipGrant[];
}

/**
 * The ignore rules the sandbox opens build folders from: base's .gitignore (not the worktree's,
 * which the session may have edited), the repository's info/exclude, and `up`'s snapshot of the
 * user-wide ignore file.
 */
export async function readIgnoreRules(project: Project, excludesSnapshot: string): Promise<string[]> {
  const [base, exclude, user] = await Promise.all([
    readBranchFile(project.root, project.base, '.gitignore'),
    readFile(join(project.commonDir, 'info', 'exclude'), 'utf8').catch(() => ''),
    readFile(excludesSnapshot, 'utf8').catch(() => ''),
  ]);
  return [base ?? '', exclude, user].flatMap((text) => text.split('\n'));
}

/**
 * Prepares the sandbox of one session whose worktree exists: everything opened exists, the
 * session's branch lives in its own folder, and the options are written. A session that runs
 * unsandboxed gets its branch back as a plain branch.
 */
export async function prepareSessionSandbox(
  project: Project,
  session: SessionConfig,
  worktree: string,
  context: SandboxContext,
  /** The worktree was just made on a branch in the session's own folder (registerSandboxedWorktree). */
  branchInFolder = false,
): Promise<SessionSandbox> {
  if (!context.enabled.has(session.name) || !context.probe?.ok) {
    await restorePlainBranch(project.root, session.name, worktree);
    const why = session.sandbox === 'off' ? 'sandbox: off in the config' : context.probe && !context.probe.ok ? context.probe.reason : 'off';
    return { enabled: false, notes: [why] };
  }
  const notes: string[] = [];
  const realWorktree = realpath(worktree);
  if (branchInFolder) await linkSessionBranch(project.root, session.name);
  else await storeBranchInSessionFolder(project.root, session.name, worktree);

  const open: Array<{ path: string; why: string }> = [];
  const close: Array<{ path: string; why: string }> = [{ path: '.git', why: "the worktree's link to its git folder" }];
  /** A worktree-relative path, only if no symlink along it leads elsewhere (it would open the link's target). */
  const direct = (rel: string): boolean => {
    const real = realpath(join(realWorktree, rel));
    if (real === join(realWorktree, rel) || (rel === '' && real === realWorktree)) return true;
    notes.push(`${rel} is a symlink (or under one) and stays read-only`);
    return false;
  };
  const openFolder = async (rel: string, why: string, create: boolean) => {
    const path = join(realWorktree, rel);
    if (!existsSync(path)) {
      if (!create) return;
      await mkdir(path, { recursive: true });
    }
    if (direct(rel)) open.push({ path: rel, why });
  };

  // A file that does not exist yet opens by its folder, like any file (openFilesByFolder, below).
  const openFileToBe = (rel: string, why: string) => {
    if (existsSync(join(realWorktree, dirname(rel)))) {
      if (direct(rel)) open.push({ path: rel, why });
    } else notes.push(`${rel} does not exist yet, nor its folder: it cannot be created inside the sandbox`);
  };

  // A glob's prefix is a folder (made when missing) when the glob goes on past it; a glob that is
  // all literal (`package.json`) may name a file, which is opened only if it exists.
  const openPrefix = async (glob: string, why: string) => {
    const prefix = getGlobPrefix(glob);
    const isFolder = glob.endsWith('/') || glob.replace(/^\.\//, '') !== prefix;
    if (!isFolder && !existsSync(join(realWorktree, prefix))) openFileToBe(prefix, why);
    else await openFolder(prefix, why, isFolder);
  };
  for (const glob of session.owns) await openPrefix(glob, `owned (${glob})`);
  for (const entry of project.config.writable.filter((w) => !w.startsWith('/') && !w.startsWith('~'))) await openPrefix(entry, `writable: ${entry}`);

  const others = project.config.sessions
    .filter((s) => s.name !== session.name)
    .flatMap((s) => s.owns.map((g) => ({ prefix: getGlobPrefix(g), owner: s.name })));
  const listTracked = (paths: readonly string[] = []) => listTrackedFiles(realWorktree, paths);
  const tracked = project.config.shared.some((g) => !isExactPrefix(g)) ? await listTracked() : [];
  for (const glob of project.config.shared) {
    const prefix = getGlobPrefix(glob);
    if (isExactPrefix(glob)) {
      const path = join(realWorktree, prefix);
      if (existsSync(path) || glob.endsWith('/**')) await openFolder(prefix, `shared (${glob})`, glob.endsWith('/**') && !existsSync(path));
      else openFileToBe(prefix, `shared (${glob})`);
    } else {
      for (const file of tracked.filter((f) => minimatch(f, glob, { dot: true }))) if (direct(file)) open.push({ path: file, why: `shared (${glob})` });
    }
  }

  // Build and dependency folders named in the ignore rules. One that holds tracked files (or
  // another session's folder) stays closed: ignore rules never open tracked work.
  const folders = getLiteralIgnoredFolders(context.ignoreRules).filter(
    (f) => !others.some((o) => o.prefix !== '' && (isWithin(o.prefix, f.path) || isWithin(f.path, o.prefix))),
  );
  // Only a folder on disk can hold tracked files (a checkout writes every tracked file).
  const present = folders.filter((f) => existsSync(join(realWorktree, f.path)));
  const trackedInFolders = present.length > 0 ? await listTracked(present.map((f) => `:(literal)${f.path}`)) : [];
  for (const folder of folders) {
    if (trackedInFolders.some((f) => isWithin(f, folder.path))) {
      notes.push(`${folder.path}/ is ignored but holds tracked files; it stays closed`);
      continue;
    }
    const path = join(realWorktree, folder.path);
    const isFolder = existsSync(path) ? lstatSync(path).isDirectory() : folder.folder;
    if (isFolder) await openFolder(folder.path, `ignored build folder (${folder.path})`, folder.folder);
  }

  // Paths granted to this session during the run open; paths granted away close (below).
  const granted = getGrantedPaths(session.name, context.grants);
  for (const rel of granted.open) {
    // A granted file that is not there (yet, or deleted on purpose) opens by its folder, below.
    if (existsSync(join(realWorktree, rel))) {
      if (direct(rel)) open.push({ path: rel, why: 'granted during this run' });
    } else openFileToBe(rel, 'granted during this run');
  }

  // A file opens as its folder with the folder's other entries closed (agents save by rename).
  const isFile = (rel: string) => !(statSync(join(realWorktree, rel), { throwIfNoEntry: false })?.isDirectory() ?? false);
  const byFolder = openFilesByFolder(
    open.map((o) => ({ ...o, file: isFile(o.path) })),
    (folder) =>
      listFolder(join(realWorktree, folder), (name) =>
        notes.push(`${join(folder, name)} is a symlink beside a file this session may change: it could be replaced`),
      ),
  );
  open.splice(0, open.length, ...byFolder.open);
  close.push(...byFolder.close);

  // Another session's folder inside one this session opened stays read-only, unless it was granted here.
  for (const other of others) {
    if (granted.open.some((g) => isWithin(other.prefix, g))) continue;
    if (other.prefix === '' || !open.some((o) => other.prefix !== o.path && isWithin(other.prefix, o.path))) continue;
    const path = join(realWorktree, other.prefix);
    if (!existsSync(path)) await mkdir(path, { recursive: true });
    close.push({ path: other.prefix, why: `owned by ${other.owner}` });
  }
  for (const rel of granted.close) {
    if (existsSync(join(realWorktree, rel)) && open.some((o) => isWithin(rel, o.path))) close.push({ path: rel, why: 'granted to another session' });
  }

  const home = homedir();
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
    const value = session.env[variable] ?? project.config.env[variable] ?? process.env[variable];
    if (value && existsSync(value)) writableOutside.push({ path: realpath(value), why: `${variable}` });
  }
  for (const entry of project.config.writable.filter((w) => w.startsWith('/') || w.startsWith('~'))) {
    const path = entry.startsWith('~') ? join(home, entry.slice(1)) : entry;
    await mkdir(path, { recursive: true }).catch(() => undefined);
    if (existsSync(path)) writableOutside.push({ path: realpath(path), why: `writable: ${entry}` });
  }

  const commonDir = realpath(project.commonDir);
  const gitDir = resolveGitDir(realWorktree);
  if (!gitDir) throw new UsageError(`${worktree} has no .git link to its repository; remove the worktree and run \`parx up\` again`);
  const adminDir = realpath(gitDir);
  if (relative(join(commonDir, 'worktrees'), adminDir).startsWith('..')) {
    throw new UsageError(
      `the git folder of ${worktree} (${adminDir}) is not one of this repository's worktrees; remove the worktree and run \`parx up\` again`,
    );
  }
  const tipRef = getSandboxTipRef(session.name);
  const refFolder = join(commonDir, dirname(tipRef));
  const logFolder = join(commonDir, 'logs', dirname(tipRef));
  const outbox = project.files.agentDir(session.name);
  await Promise.all([refFolder, logFolder, outbox].map((d) => mkdir(d, { recursive: true })));
  const worktreeConfig = join(adminDir, 'config.worktree');
  if (!existsSync(worktreeConfig)) await writeFile(worktreeConfig, '');

  const facts: SandboxFacts = {
    worktree: realWorktree,
    open,
    close,
    writableOutside,
    protect: [
      { path: realpath(project.root), why: 'the main checkout' },
      { path: realpath(project.worktreeDir), why: "every session's worktree" },
      { path: commonDir, why: "git's data and parx's run files" },
    ],
    gitWritable: [
      { path: adminDir, why: "this worktree's index, HEAD and logs" },
      { path: join(commonDir, 'objects'), why: "new commits' objects" },
      { path: refFolder, why: "this session's branch" },
      { path: logFolder, why: "this session's branch log" },
      { path: outbox, why: "what this session's agent hooks report" },
    ],
    gitReadOnly: [
      ...['commondir', 'gitdir', 'config.worktree']
        .map((f) => ({ path: join(adminDir, f), why: 'points git at its repository and config' }))
        .filter((e) => existsSync(e.path)),
      ...[join(commonDir, 'objects', 'info')].filter(existsSync).map((path) => ({ path, why: 'alternates' })),
      // The hook settings of a Gemini session's own home live in its writable folder: kept
      // read-only, or the session could take its hooks out (written before its pane starts).
      ...(getSessionAgentKind(session.agent) === 'gemini'
        ? [{ path: join(outbox, 'gemini-home', '.gemini', 'settings.json'), why: "Gemini's hook settings" }]
        : []),
      ...[...context.gitSources, getUserGitDir()].filter((p) => existsSync(p)).map((p) => ({ path: realpath(p), why: "git's user-wide config" })),
    ],
    hide: context.tmuxSocket ? [hideSocket(context.tmuxSocket)] : [],
    ...(await readHome(
      home,
      writableOutside.filter((w) => w.why === 'temporary files').map((w) => w.path),
    )),
  };
  const mounts = planSandboxMounts(facts);
  const args = toBwrapArgs(mounts);
  const argsFile = join(project.files.dir, 'sandbox', `${session.name}.args`);
  await mkdir(dirname(argsFile), { recursive: true });
  await writeFile(argsFile, `${args.join('\0')}\0`);
  return { enabled: true, notes, program: context.probe.program, argsFile, args, mounts };
}

/** A folder's entries, but symlinks (a mount over one would land on its target): those are reported. */
function listFolder(path: string, onSymlink: (name: string) => void): string[] {
  const entries = readdirSync(path, { withFileTypes: true });
  for (const e of entries.filter((e) => e.isSymbolicLink())) onSymlink(e.name);
  return entries.filter((e) => !e.isSymbolicLink()).map((e) => e.name);
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

/** The tmux socket's private folder (`tmux-<uid>`) when it has one, else the socket itself. */
function hideSocket(socket: string): { path: string; why: string; file?: boolean } {
  const dir = dirname(socket);
  const why = 'the tmux server (it could type into any pane)';
  if (/^tmux-\d+$/.test(dir.split('/').at(-1)!) && statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return { path: realpath(dir), why };
  return { path: realpath(socket), why, file: true };
}

/**
 * `setup` in the same sandbox as the agent. It runs before the tmux server may exist, so a hidden
 * socket folder that is not there yet is left out (there is nothing to hide).
 */
export function getSetupWrapper(sandbox: SessionSandbox): string[] {
  if (!sandbox.enabled || !sandbox.program || !sandbox.mounts) return [];
  return [sandbox.program, ...toBwrapArgs(sandbox.mounts.filter((m) => (m.kind !== 'hide' && m.kind !== 'ro') || existsSync(m.path))), '--'];
}

/** The pane's argv inside the sandbox. */
export function getSandboxedArgv(sandbox: SessionSandbox, argv: readonly string[]): string[] {
  if (!sandbox.enabled || !sandbox.program || !sandbox.argsFile) return [...argv];
  const home = sandbox.mounts?.find((m) => m.kind === 'scratch');
  return wrapInSandbox(sandbox.program, sandbox.argsFile, home ? HOME_COPIED_FILES.map((f) => join(home.path, f)) : [], argv);
}

export interface LiveGrantResult {
  /** The grantee's running sandbox could not be changed: the path opens there at its next start. */
  restartNeeded: boolean;
  notes: string[];
}

/**
 * A grant in the running sandboxes: the path becomes writable in the grantee's and read-only in
 * the previous owner's, now (see adapters/sandbox-live.ts). A session whose pane is not running
 * has no sandbox to change: its next start plans the grant in (prepareSessionSandbox).
 * Worktrees and panes come from state.json, recorded at `up`.
 */
export async function applyGrantToSandboxes(state: RunState, grant: { path: string; to: string; from?: string | undefined }): Promise<LiveGrantResult> {
  const result: LiveGrantResult = { restartNeeded: false, notes: [] };
  const changes: Array<[session: string, mode: 'rw' | 'ro']> = [[grant.to, 'rw'], ...(grant.from ? [[grant.from, 'ro'] as [string, 'ro']] : [])];
  for (const [session, mode] of changes) {
    const st = state.sessions[session];
    if (st?.sandbox !== 'on' || !st.pane) continue;
    const panePid = await getPanePid(st.pane);
    const pid = panePid && (await findSandboxPid(panePid));
    if (!pid) continue;
    const worktree = realpath(st.worktree);
    const kind = getPathKind(join(worktree, grant.path));
    if (mode === 'ro' && kind === 'missing') {
      result.notes.push(`${grant.path} is not in ${session}'s worktree: its hooks and the guard keep it from making it`);
      continue;
    }
    const folder = dirname(join(worktree, grant.path));
    const folderExists = existsSync(folder);
    const siblings =
      kind !== 'folder' && folderExists
        ? listFolder(folder, (name) => result.notes.push(`${name}, a symlink beside ${grant.path} in ${session}'s worktree, could be replaced`))
        : [];
    const ops = mode === 'ro' ? [{ op: 'ro' as const, path: grant.path }] : planLiveGrant(grant.path, kind, folderExists, siblings);
    const live = await changeSandbox(pid, worktree, ops);
    if (live.ok) continue;
    result.notes.push(`${session}'s sandbox could not be changed while it runs: ${live.reason}`);
    if (mode === 'rw') result.restartNeeded = true;
  }
  return result;
}

function getPathKind(path: string): PathKind {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  return !stat ? 'missing' : stat.isDirectory() ? 'folder' : 'file';
}
