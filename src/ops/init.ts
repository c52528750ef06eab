import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SEARCH_PLACES } from '../adapters/config-file.js';
import { locateRepo } from '../adapters/git.js';
import { RefusedError, UsageError } from '../core/errors.js';
import { getPackageVersion, PACKAGE_ROOT, TEMPLATES_DIR } from '../package-root.js';

export interface InitOptions {
  cwd?: string;
}

/** The configuration's JSON Schema as shipped in this version's package. */
export function getSchemaUrl(): string {
  return `https://unpkg.com/parx@${getPackageVersion()}/schema/parx.schema.json`;
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
  const existing = SEARCH_PLACES.filter((p) => p !== 'package.json')
    .map((p) => join(dir, p))
    .find((p) => existsSync(p));
  if (existing) throw new RefusedError(`${existing} already exists; parx init never overwrites a config`);
  const file = join(dir, 'parx.config.yaml');
  const template = await readFile(join(TEMPLATES_DIR, 'parx.config.yaml'), 'utf8');
  // The schema by URL, pinned to this version (a path into an npx cache would not last); the
  // README in the package that wrote the file, which matches it.
  const text = template.replace('{schema}', getSchemaUrl()).replace('{readme}', join(PACKAGE_ROOT, 'README.md'));
  // 'wx': a config that appeared since the check above is still never overwritten.
  await writeFile(file, text, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EEXIST' ? new RefusedError(`${file} already exists; parx init never overwrites a config`) : error;
  });
  return { file };
}
