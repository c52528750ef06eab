import { parse } from 'unbash';

/**
 * The files a shell command line obviously writes: redirections, and the file operands of
 * `tee`, `sed -i`, `mv`, `cp`, `rm`, `touch`, `truncate`, `install`, `ln`, `dd`, `mkdir`, `rmdir`,
 * `mkfifo`, `mknod`, `chmod`, and of `git checkout -- …` / `git restore`. A folder is judged like a
 * file: `mkdir -p <run folder>/state.json` is how a session once broke parx's own files. Best effort,
 * by design: it lets `parx hook` tell the model *why* before the OS sandbox refuses with a bare
 * "Read-only file system". A word built from expansions (`$f`, `$(…)`) is not a path anyone can
 * know before the command runs; it is left to the sandbox and the guard.
 *
 * unbash (a complete bash parser) rather than a hand-written splitter: quoting, here-docs,
 * subshells, pipelines and `&&` chains are where a quick tokenizer goes wrong.
 */

export interface ShellTargets {
  /** Paths as written (relative to where the command runs; `~/` for the home folder); a folder ends in "/". */
  paths: string[];
  /** A `cd` ran before a write: relative paths no longer mean the agent's folder, judge none of them. */
  moved: boolean;
}

const WRITE_REDIRECTS = new Set(['>', '>>', '>|', '&>', '&>>', '<>']);

/** Per command: which operands it writes, given its non-option words. */
const WRITERS: Record<string, (operands: string[], options: string[], targetDir: string | undefined) => string[]> = {
  tee: (ops) => ops,
  // `sed -i script file…`: the script is the first operand unless given with -e/-f.
  sed: (ops, opts) =>
    opts.some((o) => /^-[^-]*i|^--in-place/.test(o)) ? (opts.some((o) => /^-[^-]*[ef]$|^--expression|^--file/.test(o)) ? ops : ops.slice(1)) : [],
  // Moving a file changes both places: the source disappears, the target appears.
  mv: (ops, _, dir) => (dir ? [...ops, dir] : ops),
  cp: (ops, _, dir) => (dir ? [dir] : ops.slice(-1)),
  rm: (ops) => ops,
  unlink: (ops) => ops,
  touch: (ops) => ops,
  truncate: (ops) => ops,
  ln: (ops) => ops.slice(-1),
  install: (ops) => ops.slice(-1),
  dd: (ops) => ops.filter((o) => o.startsWith('of=')).map((o) => o.slice(3)),
  // Folders carry a trailing "/": an ignore rule for a folder (`dist/`) matches them.
  mkdir: (ops) => ops.map(asFolder),
  rmdir: (ops) => ops.map(asFolder),
  mkfifo: (ops) => ops,
  mknod: (ops) => ops.slice(0, 1),
  // The mode comes first (`chmod 777 f`, `chmod u+x f`); a reference file (--reference) is read, not written.
  chmod: (ops) => ops.slice(1),
  // `git checkout [<tree>] -- <paths>` and `git restore <paths>` rewrite files from git.
  git: (ops) =>
    ops[0] === 'restore' ? ops.slice(1).filter((o) => o !== '--') : ops[0] === 'checkout' && ops.includes('--') ? ops.slice(ops.indexOf('--') + 1) : [],
};

function asFolder(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

/** Options that take the next word as their value (so that word is not an operand). */
const OPTION_VALUES: Record<string, RegExp> = {
  sed: /^-[ef]$/,
  cp: /^-[tS]$/,
  mv: /^-[tS]$/,
  truncate: /^-[sr]$/,
  install: /^-[mogtS]$/,
  mkdir: /^-m$/,
  mkfifo: /^-m$/,
  mknod: /^-m$/,
};

export function getShellWriteTargets(command: string): ShellTargets | undefined {
  let script: unknown;
  try {
    script = parse(command);
  } catch {
    return undefined;
  }
  const paths: string[] = [];
  let moved = false;
  visit(script, (node) => {
    if (node.type === 'Redirect' && WRITE_REDIRECTS.has(String(node.operator))) {
      const target = literal(node.target);
      if (target !== undefined && !/^&?\d+$/.test(target) && target !== '/dev/null') paths.push(target);
    }
    if (node.type === 'Command') {
      const words = ((node.suffix as unknown[] | undefined) ?? []).filter((w) => isNode(w) && w.type === 'Word');
      const name = literal(node.name);
      if (name === undefined) return;
      const program = name.split('/').at(-1)!;
      if (program === 'cd' || program === 'pushd') moved = true;
      const writer = WRITERS[program];
      if (!writer) return;
      const operands: string[] = [];
      const options: string[] = [];
      let targetDir: string | undefined;
      let ended = false;
      for (let i = 0; i < words.length; i++) {
        const value = literal(words[i]);
        if (value === undefined) continue;
        if (!ended && value === '--') {
          ended = true;
          if (program === 'git') operands.push(value);
        } else if (!ended && value.startsWith('-') && value !== '-') {
          options.push(value);
          if (value.startsWith('--target-directory=')) targetDir = value.slice('--target-directory='.length);
          if (OPTION_VALUES[program]?.test(value)) {
            const next = literal(words[++i]);
            if (value === '-t') targetDir = next;
          }
        } else operands.push(value);
      }
      paths.push(...writer(operands, options, targetDir));
    }
  });
  return { paths: [...new Set(paths)], moved };
}

type Node = { type: string } & Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

/** The word's value when it is plain text after quote removal; undefined when it expands something. */
function literal(word: unknown): string | undefined {
  if (!isNode(word) || word.type !== 'Word') return undefined;
  const plain = (parts: unknown): boolean =>
    !Array.isArray(parts) ||
    parts.every((p) => isNode(p) && (p.type === 'Literal' || p.type === 'SingleQuoted' || (p.type === 'DoubleQuoted' && plain(p.parts))));
  if (!plain(word.parts)) return undefined;
  // `~/x` is the home folder's x (the caller knows where that is); `~user/x` is not guessed at.
  const value = String(word.value);
  return value.startsWith('~') && !value.startsWith('~/') ? undefined : value;
}

function visit(value: unknown, fn: (node: Node) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) visit(v, fn);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (isNode(value)) fn(value);
  for (const [key, child] of Object.entries(value)) {
    if (key !== 'args' && key !== 'redirects') visit(child, fn);
    else if (isNode(value) && value.type === 'Redirected') visit(child, fn);
  }
}
