import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { readUntrustedSync } from './untrusted-files.js';

/**
 * git's ignore rules for one worktree, answered synchronously for paths that may not exist
 * yet (the watcher must decide before it descends into a new directory). Rules come from
 * `core.excludesFile`, `<git-common-dir>/info/exclude` and every `.gitignore` met while
 * walking, each relative to its own directory; deeper files win, later lines win.
 * (`parx check` asks git itself; this mirrors it for live events.)
 */
export class GitIgnoreRules {
  private readonly byDir = new Map<string, Ignore>();
  /** Tracked files the rules match, and the folders above them: never ignored. */
  private readonly tracked = new Set<string>();
  /** Rules that apply at the root before the root `.gitignore`. */
  private readonly sharedText: string;

  /** `excludesFile`: git's user-wide ignore file, as the run recorded it (the copy `up` took). */
  constructor(commonDir: string, excludesFile: string) {
    this.sharedText = [readText(excludesFile), readText(join(commonDir, 'info', 'exclude'))].join('\n');
    this.byDir.set('', ignore().add(this.sharedText));
  }

  /** Loads (or reloads) the `.gitignore` of a directory; `dir` is '' for the root. */
  loadGitignore(worktree: string, dir: string): void {
    const text = readText(join(worktree, dir, '.gitignore'));
    if (dir === '') {
      // Root rules: shared excludes first, then the root .gitignore, which overrides them.
      this.byDir.set('', ignore().add(this.sharedText).add(text));
    } else if (text) {
      this.byDir.set(dir, ignore().add(text));
    } else {
      this.byDir.delete(dir);
    }
  }

  /**
   * Files git tracks although the rules match them (`git ls-files --ignored --cached`): git
   * shows and merges their changes, so they, and the folders holding them, are never ignored.
   */
  addTracked(paths: Iterable<string>): void {
    for (const path of paths) {
      for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) this.tracked.add(path.slice(0, end));
    }
  }

  /** Whether git would ignore `path` (repository-relative, '/'-separated). */
  isIgnored(path: string, isDirectory: boolean): boolean {
    if (this.tracked.has(path)) return false;
    let ignored = false;
    let end = -1;
    do {
      const dir = end === -1 ? '' : path.slice(0, end);
      const rules = this.byDir.get(dir);
      if (rules) {
        const relative = (end === -1 ? path : path.slice(end + 1)) + (isDirectory ? '/' : '');
        const verdict = rules.test(relative);
        if (verdict.ignored) ignored = true;
        else if (verdict.unignored) ignored = false;
      }
      end = path.indexOf('/', end + 1);
    } while (end !== -1);
    return ignored;
  }
}

/**
 * An ignore file's text, or '' for anything that is not a plain file: a session writes its
 * worktree's `.gitignore` files, and a FIFO there must not hold up the guard's event loop or the
 * hook. A symlinked `.gitignore` counts as none, as git itself (2.32 and later) treats it.
 */
function readText(file: string): string {
  return readUntrustedSync(file, 1024 * 1024) ?? '';
}
