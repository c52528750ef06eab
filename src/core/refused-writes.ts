/**
 * The paths a command's output says it could not write because they are read-only: what a
 * session's `setup` hit in its sandbox (npm's `EROFS: read-only file system, open '<path>'`, a
 * shell's `cannot create <path>: Read-only file system`, Python's `[Errno 30] Read-only file
 * system: '<path>'`…), as worktree-relative paths, so that parx can say which one and how to
 * open it. Pure; best effort: an unrecognised message gives no path, never a wrong one.
 */

const PATTERNS: readonly RegExp[] = [
  // Node and npm: EROFS: read-only file system, open '/wt/package-lock.json'
  /EROFS[^'\n]*'([^'\n]+)'/g,
  // Python: OSError: [Errno 30] Read-only file system: '/wt/x'
  /Read-only file system: '([^'\n]+)'/g,
  // dash: sh: 1: cannot create x: Read-only file system
  /cannot create ([^:'\n]+): Read-only file system/g,
  // bash: bash: x: Read-only file system · bash: line 1: x: Read-only file system
  /^(?:ba|z)?sh(?:: line \d+)?: ([^:\n]+): Read-only file system$/gm,
  // coreutils: touch: cannot touch 'x': Read-only file system · mkdir: cannot create directory 'x': …
  /cannot (?:touch|create directory|create regular file|open|remove) '([^'\n]+)': Read-only file system/g,
];

export function findRefusedPaths(output: string, worktree: string): string[] {
  const found = new Set<string>();
  for (const pattern of PATTERNS) {
    for (const match of output.matchAll(pattern)) {
      const raw = match[1]!.trim();
      const rel = toWorktreeRelative(raw, worktree);
      if (rel !== undefined) found.add(rel);
    }
  }
  return [...found];
}

/** A path inside the worktree (absolute under it, or relative, as setup runs at its top), else undefined. */
function toWorktreeRelative(path: string, worktree: string): string | undefined {
  const top = worktree.replace(/\/+$/, '');
  let rel: string;
  if (path.startsWith('/')) {
    if (!path.startsWith(`${top}/`)) return undefined;
    rel = path.slice(top.length + 1);
  } else rel = path.replace(/^\.\//, '');
  const parts = rel.split('/');
  if (rel === '' || parts.some((p) => p === '..' || p === '')) return undefined;
  return rel;
}
