/**
 * What a session's OS sandbox makes writable, as an ordered list of mounts (pure: the facts are
 * gathered by ops/common/sandbox.ts). The file system is read-only; each mount opens or closes one path,
 * and a deeper path wins over a shallower one, so "the repository is read-only" holds even when
 * it lives under a writable folder like /tmp, and "another session's folder is read-only" holds
 * inside a folder this session opened.
 */

export type SandboxMount =
  /** Writable (bind mount of `source`, by default the path itself). */
  | { kind: 'rw'; path: string; why: string; source?: string }
  /** Read-only again, inside something writable (a bind of `source`, by default the path itself). */
  | { kind: 'ro'; path: string; why: string; source?: string }
  /** Hidden behind an empty folder (a tmpfs), e.g. the tmux server's socket folder. */
  | { kind: 'hide'; path: string; why: string; file?: boolean }
  /** An empty writable folder whose contents vanish with the sandbox (the home folder's own level). */
  | { kind: 'scratch'; path: string; why: string }
  /** A symlink made at `path` (a home folder entry that is one). */
  | { kind: 'symlink'; path: string; why: string; target: string };

export interface SandboxFacts {
  /** Real paths (symlinks resolved) throughout. */
  worktree: string;
  /** Worktree-relative paths to open: owned prefixes, shared paths, ignored build folders, `writable:` entries. */
  open: ReadonlyArray<{ path: string; why: string }>;
  /** Worktree-relative paths to close again: other sessions' prefixes inside an opened one, the `.git` file. */
  close: ReadonlyArray<{ path: string; why: string }>;
  /** Absolute paths outside any repository that stay writable: temp folders, agents' state in the home folder, `writable:` folders. */
  writableOutside: ReadonlyArray<{ path: string; why: string }>;
  /** Absolute paths of the repository that are read-only as a whole: the main checkout, the worktree folder, the git common dir. */
  protect: ReadonlyArray<{ path: string; why: string }>;
  /** Absolute paths git needs to commit on the session's own branch (`source`: what is mounted there instead). */
  gitWritable: ReadonlyArray<{ path: string; why: string; source?: string }>;
  /** Absolute paths inside `gitWritable` that stay read-only (they redirect git elsewhere; `source`: what is shown there). */
  gitReadOnly: ReadonlyArray<{ path: string; why: string; source?: string }>;
  /** Absolute paths inside `writableOutside` that stay read-only: the agents' own settings and code folders. */
  stateReadOnly?: ReadonlyArray<{ path: string; why: string }>;
  /** Absolute paths hidden from the session (the tmux socket folder). */
  hide: ReadonlyArray<{ path: string; why: string; file?: boolean }>;
  /**
   * The home folder as the session sees it: a scratch folder (new files there vanish with the
   * sandbox) holding every real entry, read-only but for agents' state, which stays writable.
   */
  home?: {
    path: string;
    entries: ReadonlyArray<{ name: string; symlink?: string; writable: boolean }>;
  };
}

const depth = (path: string) => path.split('/').filter(Boolean).length;

/**
 * The mounts, in the order they must be applied: shallow before deep (the deeper one wins), and
 * at the same depth a read-only one after a writable one (closing wins a tie). Duplicates keep
 * the strictest. Hidden paths come last: nothing re-opens them.
 */
export function planSandboxMounts(facts: SandboxFacts): SandboxMount[] {
  const inWorktree = (rel: string) => (rel === '' ? facts.worktree : `${facts.worktree}/${rel.replace(/\/+$/, '')}`);
  const byPath = new Map<string, SandboxMount>();
  const add = (mount: SandboxMount) => {
    const existing = byPath.get(mount.path);
    if (!existing || (existing.kind === 'rw' && mount.kind !== 'rw')) byPath.set(mount.path, mount);
  };
  for (const e of facts.writableOutside) add({ kind: 'rw', path: e.path, why: e.why });
  for (const e of facts.protect) add({ kind: 'ro', path: e.path, why: e.why });
  for (const e of facts.open) add({ kind: 'rw', path: inWorktree(e.path), why: e.why });
  for (const e of facts.gitWritable) add({ kind: 'rw', path: e.path, why: e.why, ...(e.source && { source: e.source }) });
  for (const e of facts.close) add({ kind: 'ro', path: inWorktree(e.path), why: e.why });
  for (const e of facts.gitReadOnly) add({ kind: 'ro', path: e.path, why: e.why, ...(e.source && { source: e.source }) });
  for (const e of facts.stateReadOnly ?? []) add({ kind: 'ro', path: e.path, why: e.why });
  for (const e of facts.hide) add({ kind: 'hide', path: e.path, why: e.why, ...(e.file && { file: true }) });
  if (facts.home) {
    add({ kind: 'scratch', path: facts.home.path, why: 'the home folder: new files there vanish with the sandbox' });
    for (const e of facts.home.entries) {
      const path = `${facts.home.path}/${e.name}`;
      if (byPath.has(path)) continue;
      if (e.symlink !== undefined) byPath.set(path, { kind: 'symlink', path, why: 'a link in the home folder', target: e.symlink });
      else add({ kind: e.writable ? 'rw' : 'ro', path, why: e.writable ? 'agent and tool state' : 'the home folder' });
    }
  }
  // A scratch folder comes before what is mounted into it; a writable one before a closed one.
  const rank = (m: SandboxMount) => (m.kind === 'hide' ? 3 : m.kind === 'ro' ? 2 : m.kind === 'scratch' ? -1 : m.kind === 'symlink' ? 1 : 0);
  return [...byPath.values()].sort((a, b) => {
    if ((a.kind === 'hide') !== (b.kind === 'hide')) return rank(a) - rank(b);
    return depth(a.path) - depth(b.path) || rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  });
}

/**
 * bubblewrap's options for the mounts: the whole file system read-only at its own paths (the
 * agent sees its real paths), devices and a /proc of the sandbox's own process namespace, then
 * the mounts in order. No capabilities: a root user's agent could otherwise remount.
 * `--unshare-pid` keeps the session from seeing (or signalling, or tracing) processes outside
 * its pane; the network is shared (agents talk to their model APIs).
 */
export function toBwrapArgs(mounts: readonly SandboxMount[]): string[] {
  const args = ['--ro-bind', '/', '/', '--dev-bind', '/dev', '/dev', '--proc', '/proc'];
  for (const m of mounts) {
    if (m.kind === 'rw') args.push('--bind', m.source ?? m.path, m.path);
    else if (m.kind === 'ro') args.push('--ro-bind', m.source ?? m.path, m.path);
    else if (m.kind === 'scratch') args.push('--tmpfs', m.path);
    else if (m.kind === 'symlink') args.push('--symlink', m.target, m.path);
    else if (m.file) args.push('--ro-bind', '/dev/null', m.path);
    else args.push('--tmpfs', m.path, '--remount-ro', m.path);
  }
  args.push('--unshare-pid', '--die-with-parent', '--cap-drop', 'ALL');
  return args;
}

/**
 * The same writable set as a macOS `sandbox-exec` profile (experimental: it cannot be run on
 * the Linux machines parx is tested on, so it is only checked as text). In the profile
 * language the last matching rule wins, which is the order planSandboxMounts produces.
 */
export function toSeatbeltProfile(mounts: readonly SandboxMount[]): string {
  const quote = (path: string) => `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['(version 1)', '(allow default)', '(deny file-write*)'];
  for (const m of mounts) {
    if (m.kind === 'rw') lines.push(`(allow file-write* (subpath ${quote(m.path)}))`);
    else if (m.kind === 'ro') lines.push(`(deny file-write* (subpath ${quote(m.path)}))`);
    // No scratch folders on macOS: the home folder stays read-only but for the writable entries.
    else if (m.kind === 'scratch' || m.kind === 'symlink') continue;
    else lines.push(`(deny file-write* file-read* (subpath ${quote(m.path)}))`, `(deny network-outbound (remote unix-socket (subpath ${quote(m.path)})))`);
  }
  // Terminals must stay writable for the agent's own screen.
  lines.push('(allow file-write* (regex #"^/dev/(tty|pts/|null$|zero$|fd/)"))');
  return `${lines.join('\n')}\n`;
}

const MAGIC = /[*?[\]{}!]/;

/**
 * The literal folder a glob starts with: `src/auth/**` → `src/auth`, `src/**\/*.test.ts` → `src`,
 * `*.md` → `` (the worktree's root). A pattern with no magic at all is its own path.
 */
export function getGlobPrefix(glob: string): string {
  const parts = glob.replace(/^\.\//, '').split('/');
  const literal: string[] = [];
  for (const part of parts) {
    if (MAGIC.test(part) || part.includes('\\')) break;
    literal.push(part);
  }
  if (literal.length === parts.length) return literal.join('/').replace(/\/+$/, '');
  return literal.join('/');
}

/** Whether opening the glob's prefix opens exactly what the glob matches (`dir/**`, or a literal path). */
export function isExactPrefix(glob: string): boolean {
  const prefix = getGlobPrefix(glob);
  const rest = glob.replace(/^\.\//, '').slice(prefix.length).replace(/^\//, '');
  return rest === '' || rest === '**' || rest === '**/*';
}

/**
 * Folders named in ignore rules that builds and package managers write to. A rule with a
 * trailing slash names a folder; these names are folders by convention, so they are created
 * when missing (a fresh worktree has no `node_modules` until `npm install` makes one).
 */
const BUILD_FOLDERS = new Set([
  'node_modules',
  'dist',
  'build',
  'out',
  'coverage',
  'target',
  'tmp',
  '.cache',
  '.next',
  '.nuxt',
  '.turbo',
  '.parcel-cache',
  '.svelte-kit',
  '.vite',
  '.venv',
  'venv',
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  '.gradle',
]);

export interface IgnoredFolder {
  /** Worktree-relative. */
  path: string;
  /** Known to be a folder (trailing slash or a conventional build folder name): create it when missing. */
  folder: boolean;
}

/**
 * The literal entries of ignore rules (one file's lines, relative to the repository root):
 * `node_modules/`, `/dist`, `coverage`. Globs, negations and nested paths of unknown kind are
 * left out: opening a folder must never be a guess that opens another session's files.
 */
export function getLiteralIgnoredFolders(lines: readonly string[]): IgnoredFolder[] {
  const found = new Map<string, IgnoredFolder>();
  for (const raw of lines) {
    const line = raw.replace(/\s+$/, '');
    // Leading spaces are part of a git pattern: such a name is too odd to guess at.
    if (line === '' || /^[#!\s]/.test(line) || MAGIC.test(line) || line.includes('\\')) continue;
    const trailing = line.endsWith('/');
    const path = line.replace(/^\/+/, '').replace(/\/+$/, '');
    if (path === '' || path.split('/').some((p) => p === '..' || p === '.' || p === '.git')) continue;
    const name = path.split('/').at(-1)!;
    const folder = trailing || BUILD_FOLDERS.has(name);
    if (!found.has(path) || folder) found.set(path, { path, folder });
  }
  return [...found.values()];
}

/** The folder a worktree-relative path is in (`` for the root). */
export function getFolderOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
}

/** `a` is `b` or inside it (worktree-relative, `` is the root). */
export function isWithin(a: string, b: string): boolean {
  return b === '' || a === b || a.startsWith(`${b}/`);
}

/**
 * What the run's grants change in one session's sandbox: the paths whose latest grant is to it
 * (opened) and those granted to another session (closed, where it could write them). A grant of
 * a folder covers a path granted before inside it, so each path is judged by the latest grant
 * covering it.
 */
export function getGrantedPaths(session: string, grants: ReadonlyArray<{ path: string; to: string }>): { open: string[]; close: string[] } {
  const open: string[] = [];
  const close: string[] = [];
  for (const path of new Set(grants.map((g) => g.path))) {
    let latest: { to: string } | undefined;
    for (const g of grants) if (isWithin(path, g.path)) latest = g;
    (latest?.to === session ? open : close).push(path);
  }
  return { open, close };
}

export interface OpenEntry {
  /** Worktree-relative. */
  path: string;
  why: string;
  /** A file (not a folder) on disk. */
  file: boolean;
}

/**
 * Agents save a file by writing a temporary file beside it and renaming it over the file (Claude
 * Code does, for every edit: `charge.ts.tmp.<pid>.<hex>`), which needs the file's folder
 * writable; a file opened on its own cannot be saved that way. So a file this session may change
 * opens as its folder, and every other entry of that folder (`entriesOf`, names) closes again,
 * unless it is opened itself. What the sandbox then allows beyond ownership is a new name in that
 * folder: the hooks refuse it for file tools, and the guard flags it.
 * A file inside a folder opened anyway needs nothing more.
 */
export function openFilesByFolder(
  entries: readonly OpenEntry[],
  entriesOf: (folder: string) => readonly string[],
): { open: Array<{ path: string; why: string }>; close: Array<{ path: string; why: string }> } {
  const folders = entries.filter((e) => !e.file);
  const open: Array<{ path: string; why: string }> = folders.map(({ path, why }) => ({ path, why }));
  const widened = new Map<string, string>();
  for (const file of entries.filter((e) => e.file)) {
    if (folders.some((f) => isWithin(file.path, f.path))) continue;
    const folder = getFolderOf(file.path);
    if (!widened.has(folder)) widened.set(folder, `the folder of ${file.path} (${file.why}): agents save by renaming a temporary file over it`);
  }
  for (const [path, why] of widened) open.push({ path, why });
  const opened = new Set([...entries.map((e) => e.path), ...widened.keys()]);
  const close: Array<{ path: string; why: string }> = [];
  for (const folder of widened.keys()) {
    for (const name of entriesOf(folder)) {
      const path = folder === '' ? name : `${folder}/${name}`;
      if (!opened.has(path)) close.push({ path, why: `beside a file this session may change (in ${folder || 'the worktree root'})` });
    }
  }
  return { open, close };
}
