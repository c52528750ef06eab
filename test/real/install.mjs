#!/usr/bin/env node
// Installs the pinned real agent CLIs (versions.json) into a cache outside the repository, once:
// $PARX_AGENT_CACHE, else ~/.cache/parx-real-agents/<package>@<version>/. Prints a JSON map of
// agent → executable. Exits 3, loudly, only when the npm registry cannot be reached.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const versions = JSON.parse(readFileSync(new URL('./versions.json', import.meta.url), 'utf8'));

/**
 * The version of `agent` this run tests: the pin, or with PARX_REAL_PINS=previous the pin before
 * it (users on either are covered: `npm run test:real:previous`).
 */
export function pinnedVersion(agent) {
  const pin = versions[agent];
  return process.env.PARX_REAL_PINS === 'previous' ? (pin.previous ?? pin.version) : pin.version;
}
export const cacheDir = process.env.PARX_AGENT_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'parx-real-agents');

export function installAgents() {
  const paths = {};
  for (const [agent, { package: pkg, bin }] of Object.entries(versions)) {
    const version = pinnedVersion(agent);
    const dir = join(cacheDir, `${pkg.replace('/', '+')}@${version}`);
    const exe = join(dir, 'node_modules', '.bin', bin);
    if (!existsSync(exe)) {
      mkdirSync(dir, { recursive: true });
      try {
        execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${version}`], {
          stdio: ['ignore', 'inherit', 'inherit'],
        });
      } catch (error) {
        try {
          execFileSync('npm', ['ping'], { stdio: 'ignore', timeout: 20_000 });
        } catch {
          console.error(`\n!!! real-agent suite SKIPPED: the npm registry cannot be reached to install ${pkg}@${version} !!!\n`);
          process.exit(3);
        }
        throw error;
      }
    }
    paths[agent] = exe;
  }
  return paths;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(installAgents()));
