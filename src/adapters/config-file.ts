import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { ConfigError, UsageError } from '../core/errors.js';

/** Where a config may live, in the order looked at in each directory (docs/configuration.md). */
export const SEARCH_PLACES = [
  'package.json',
  '.parxrc',
  '.parxrc.json',
  '.parxrc.yaml',
  '.parxrc.yml',
  'parx.config.yaml',
  'parx.config.yml',
  'parx.config.json',
  'parx.config.js',
  'parx.config.mjs',
  'parx.config.cjs',
  'parx.config.ts',
];

export interface RawConfigFile {
  file: string;
  raw: unknown;
}

/**
 * The first config found from `start` up to `stop` (both included), or the file named with
 * `--config`. cosmiconfig's own walk either stays in one directory or goes on past the
 * repository to $HOME, so the walk is ours and each step searches one directory.
 */
export async function readConfigFile(start: string, stops: string[], explicit?: string): Promise<RawConfigFile> {
  const explorer = cosmiconfig('parx', { searchPlaces: SEARCH_PLACES, searchStrategy: 'none', cache: false });
  try {
    if (explicit) {
      const file = resolve(start, explicit);
      const result = await explorer.load(file);
      return { file, raw: result?.config };
    }
    for (let dir = start; ; dir = dirname(dir)) {
      const result = await explorer.search(dir);
      if (result) return { file: result.filepath, raw: result.config };
      if (stops.includes(dir) || dirname(dir) === dir) break;
    }
  } catch (error) {
    throw toConfigError(error, explicit ? resolve(start, explicit) : start);
  }
  throw new UsageError(`no parx configuration found from ${start} up to the repository root; run \`parx init\` to write one`);
}

function toConfigError(error: unknown, fallbackFile: string): ConfigError | UsageError {
  const e = error as NodeJS.ErrnoException & { filepath?: string; mark?: { line: number; column: number }; reason?: string };
  if (e.code === 'ENOENT') return new UsageError(`config file not found: ${fallbackFile}`);
  const file = e.filepath ?? fallbackFile;
  if (/Cannot find (module|package) 'typescript'/.test(e.message)) {
    return new ConfigError(file, [{ keyPath: '', message: 'a TypeScript config needs the `typescript` package installed next to parx (npm i -D typescript)' }]);
  }
  const where = e.mark ? ` (line ${e.mark.line + 1}, column ${e.mark.column + 1})` : '';
  const reason = e.reason ?? e.message.split('\n')[0];
  return new ConfigError(file, [{ keyPath: '', message: `cannot be parsed${where}: ${reason}` }]);
}

/** sha256 of a config file's text (undefined when it cannot be read): tells whether it changed since `up`. */
export function getConfigDigest(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** Reads a `taskFile`, relative to the config file's directory. */
export function readTaskFile(configFile: string, relativePath: string): string {
  return readFileSync(resolve(dirname(configFile), relativePath), 'utf8');
}
