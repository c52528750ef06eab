import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's folder (holding package.json and templates/), found by walking up
 * from this module: it sits at a different depth in src/ (tests) and in the bundled dist/.
 */
function findPackageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`parx: cannot find its package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');
/** The installed version: read when asked (by --version and init), not by every module that imports this one. */
export function getPackageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** How parx runs itself (the guard pane, agents' hooks, the integration radar): this Node, this install. */
export function getParxArgv(...args: string[]): string[] {
  return [process.execPath, join(PACKAGE_ROOT, 'bin', 'parx.js'), ...args];
}
