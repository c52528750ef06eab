import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SEARCH_PLACES } from '../adapters/config-file.js';
import { findExecutable } from '../adapters/files.js';
import { listTrackedFiles, locateRepo } from '../adapters/git.js';
import { getAgentProgram } from '../core/agent-command.js';
import { RefusedError, UsageError } from '../core/errors.js';
import { AGENT_PREFERENCE, chooseStarter, NODE_LOCKFILES, renderStarter, type RepoFacts, type StarterChoices } from '../core/starter-config.js';
import { getPackageVersion, TEMPLATES_DIR } from '../package-root.js';

export interface InitOptions {
  cwd?: string;
  /** Where to look for agent CLIs (default: PATH). */
  path?: string;
}

/** The configuration's JSON Schema as shipped in this version's package. */
export function getSchemaUrl(): string {
  return `https://unpkg.com/parx@${getPackageVersion()}/schema/parx.schema.json`;
}

/** The configuration reference of this version, by URL (a path into an npx cache would not last). */
export function getReferenceUrl(): string {
  return `https://unpkg.com/parx@${getPackageVersion()}/docs/configuration.md`;
}

/**
 * Writes a starter config that fits the repository at the top of the worktree (or in cwd
 * outside git): see core/starter-config.ts for what it reads and why.
 */
export async function runInit(options: InitOptions = {}): Promise<{ file: string; choices: StarterChoices }> {
  const cwd = options.cwd ?? process.cwd();
  const repo = await locateRepo(cwd).then(
    (found) => ({ dir: found.toplevel, git: true }),
    (error: unknown) => {
      if (error instanceof UsageError) return { dir: cwd, git: false };
      throw error;
    },
  );
  const existing = SEARCH_PLACES.filter((p) => p !== 'package.json')
    .map((p) => join(repo.dir, p))
    .find((p) => existsSync(p));
  if (existing) throw new RefusedError(`${existing} already exists; parx init never overwrites a config`);
  const file = join(repo.dir, 'parx.config.yaml');
  const choices = chooseStarter(await gatherFacts(repo.dir, repo.git, options.path));
  const template = await readFile(join(TEMPLATES_DIR, 'parx.config.yaml'), 'utf8');
  const text = renderStarter(template, choices, { schema: getSchemaUrl(), reference: getReferenceUrl() });
  // 'wx': a config that appeared since the check above is still never overwritten.
  await writeFile(file, text, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EEXIST' ? new RefusedError(`${file} already exists; parx init never overwrites a config`) : error;
  });
  return { file, choices };
}

async function gatherFacts(dir: string, git: boolean, path?: string): Promise<RepoFacts> {
  const agents: string[] = [];
  for (const preset of AGENT_PREFERENCE) if (await findExecutable(getAgentProgram(preset), dir, path)) agents.push(preset);
  return {
    agents,
    tracked: git ? await listTrackedFiles(dir) : [],
    lockfiles: NODE_LOCKFILES.filter((name) => existsSync(join(dir, name))),
    ...(await readPackageJson(dir)),
    ...(await readMakeTargets(dir)),
  };
}

/** The top-level package.json's scripts and packageManager; nothing when absent or not JSON. */
async function readPackageJson(dir: string): Promise<Pick<RepoFacts, 'packageJson'>> {
  const text = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof manifest !== 'object' || manifest === null) return {};
  const { scripts, packageManager } = manifest as { scripts?: unknown; packageManager?: unknown };
  const scriptMap =
    typeof scripts === 'object' && scripts !== null
      ? Object.fromEntries(Object.entries(scripts).filter((e): e is [string, string] => typeof e[1] === 'string'))
      : {};
  return { packageJson: { scripts: scriptMap, ...(typeof packageManager === 'string' && { packageManager }) } };
}

/** Targets a top-level Makefile defines (`name:` at the start of a line). */
async function readMakeTargets(dir: string): Promise<Pick<RepoFacts, 'makeTargets'>> {
  const text = await readFile(join(dir, 'Makefile'), 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  return { makeTargets: [...text.matchAll(/^([A-Za-z][\w.-]*)\s*:(?!=)/gm)].map((m) => m[1]!) };
}
