import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SEARCH_PLACES } from '../adapters/config-file.js';
import { locateRepo } from '../adapters/git.js';
import { RefusedError, UsageError } from '../core/errors.js';
import { TEMPLATES_DIR } from '../package-root.js';

export interface InitOptions {
  cwd?: string;
}

/** Writes the commented starter config at the top of the worktree (or in cwd outside git). */
export async function runInit(options: InitOptions = {}): Promise<{ file: string }> {
  const cwd = options.cwd ?? process.cwd();
  const dir = await locateRepo(cwd).then(
    (repo) => repo.toplevel,
    (error: unknown) => {
      if (error instanceof UsageError) return cwd;
      throw error;
    },
  );
  const existing = SEARCH_PLACES.filter((p) => p !== 'package.json').map((p) => join(dir, p)).find((p) => existsSync(p));
  if (existing) throw new RefusedError(`${existing} already exists; parx init never overwrites a config`);
  const file = join(dir, 'parx.config.yaml');
  await copyFile(join(TEMPLATES_DIR, 'parx.config.yaml'), file);
  return { file };
}
