import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../src/adapters/config-file.js';
import { validateConfig } from '../../src/core/config-validate.js';
import { chooseStarter, renderStarter, type RepoFacts } from '../../src/core/starter-config.js';

/** `parx init`'s choices, from the facts of a repository. */

const facts = (more: Partial<RepoFacts>): RepoFacts => ({ agents: [], tracked: [], lockfiles: [], ...more });
const clsx = facts({
  tracked: ['package.json', 'src/index.js', 'src/lite.js', 'bin/build.js', 'test/index.js', 'readme.md', '.github/workflows/ci.yml'],
  lockfiles: ['package-lock.json'],
  packageJson: { scripts: { build: 'node bin/build', test: 'uvu -r esm test' } },
});

describe('chooseStarter: the agent', () => {
  it.each([
    [['codex', 'claude'], 'claude', 'found on PATH: claude, codex'],
    [['gemini'], 'gemini', 'found on PATH: gemini'],
    [['aider', 'codex'], 'codex', 'found on PATH: codex, aider'],
    [[], 'shell', 'no agent CLI found on PATH (claude, codex, agy, gemini, aider): each pane opens a shell until you name one'],
  ])('on PATH %j → %s', (agents, preset, why) => {
    expect(chooseStarter(facts({ agents })).agent).toEqual({ preset, why });
  });
});

describe('chooseStarter: installing, by package manager and lockfile', () => {
  it.each([
    ['tracked npm lockfile', ['package.json', 'package-lock.json'], ['package-lock.json'], undefined, 'npm ci', 'shared', 'package-lock.json'],
    ['ignored npm lockfile (clsx)', ['package.json'], ['package-lock.json'], undefined, 'npm install', 'writable', 'package-lock.json'],
    ['no lockfile yet', ['package.json'], [], undefined, 'npm install', 'writable', 'package-lock.json'],
    ['tracked pnpm lockfile', ['package.json', 'pnpm-lock.yaml'], ['pnpm-lock.yaml'], undefined, 'pnpm install --frozen-lockfile', 'shared', 'pnpm-lock.yaml'],
    ['tracked yarn lockfile', ['package.json', 'yarn.lock'], ['yarn.lock'], undefined, 'yarn install --frozen-lockfile', 'shared', 'yarn.lock'],
    ['bun, untracked', ['package.json'], ['bun.lock'], undefined, 'bun install', 'writable', 'bun.lock'],
    [
      'packageManager wins over a stray lockfile',
      ['package.json', 'pnpm-lock.yaml'],
      ['pnpm-lock.yaml', 'package-lock.json'],
      'pnpm@9.12.0',
      'pnpm install --frozen-lockfile',
      'shared',
      'pnpm-lock.yaml',
    ],
    ['packageManager with no lockfile', ['package.json'], [], 'yarn@4.5.0', 'yarn install', 'writable', 'yarn.lock'],
  ])('%s', (_, tracked, lockfiles, packageManager, setup, key, path) => {
    const choices = chooseStarter(facts({ tracked, lockfiles, packageJson: { scripts: {}, ...(packageManager && { packageManager }) } }));
    expect(choices.install).toMatchObject({ setup, lockfile: { key, path } });
  });

  it('has no setup without a package.json', () => {
    expect(chooseStarter(facts({ tracked: ['Cargo.toml', 'src/main.rs'] })).install).toBeUndefined();
  });
});

describe('chooseStarter: verify, from the project’s scripts', () => {
  it.each([
    ['build and test', { build: 'tsc', test: 'vitest run' }, undefined, 'npm run build && npm test'],
    ['test only', { test: 'vitest run' }, undefined, 'npm test'],
    ['build only', { build: 'tsc' }, undefined, 'npm run build'],
    ['npm init’s placeholder test is no test', { test: 'echo "Error: no test specified" && exit 1' }, undefined, undefined],
    ['pnpm', { build: 'tsc', test: 'vitest' }, 'pnpm@9.0.0', 'pnpm run build && pnpm run test'],
    ['bun runs the script, not its own runner', { test: 'vitest' }, 'bun@1.1.0', 'bun run test'],
  ])('%s', (_, scripts, packageManager, command) => {
    const choices = chooseStarter(facts({ tracked: ['package.json'], packageJson: { scripts, ...(packageManager && { packageManager }) } }));
    expect(choices.verify?.command).toBe(command);
  });

  it.each([
    ['Cargo', facts({ tracked: ['Cargo.toml', 'src/main.rs'] }), 'cargo build && cargo test'],
    ['Go', facts({ tracked: ['go.mod', 'main.go'] }), 'go build ./... && go test ./...'],
    ['Makefile build and test', facts({ tracked: ['Makefile'], makeTargets: ['build', 'test', 'clean'] }), 'make build && make test'],
    ['Makefile test only', facts({ tracked: ['Makefile'], makeTargets: ['test'] }), 'make test'],
    ['nothing to go by', facts({ tracked: ['a.txt'] }), undefined],
  ])('%s', (_, given, command) => {
    expect(chooseStarter(given).verify?.command).toBe(command);
  });
});

describe('chooseStarter: example sessions from top-level source folders', () => {
  it.each([
    [
      'clsx: src and bin, tests and docs left out',
      clsx.tracked,
      [
        { name: 'src', owns: ['src/**'] },
        { name: 'bin', owns: ['bin/**'] },
      ],
    ],
    [
      'a src of features divides by them, tests paired by name',
      ['src/api/a.ts', 'src/api/b.ts', 'src/web/c.ts', 'test/api/a.test.ts', 'README.md'],
      [
        { name: 'api', owns: ['src/api/**', 'test/api/**'] },
        { name: 'web', owns: ['src/web/**'] },
      ],
    ],
    [
      'a monorepo’s packages, the largest three',
      ['packages/core/a', 'packages/core/b', 'packages/core/c', 'packages/cli/a', 'packages/cli/b', 'packages/ui/a', 'packages/docs-site/a', 'docs/x.md'],
      [
        { name: 'core', owns: ['packages/core/**'] },
        { name: 'cli', owns: ['packages/cli/**'] },
        { name: 'docs-site', owns: ['packages/docs-site/**'] },
      ],
    ],
    [
      'names made valid and distinct',
      ['App/a.ts', 'app/b.ts', 'app/c.ts'],
      [
        { name: 'app', owns: ['app/**'] },
        { name: 'app-2', owns: ['App/**'] },
      ],
    ],
    ['folders a glob or YAML cannot carry as they are are skipped', ['my folder/a', 'x[1]/b', 'lib/c'], [{ name: 'lib', owns: ['lib/**'] }]],
  ])('%s', (_, tracked, sessions) => {
    expect(chooseStarter(facts({ tracked })).sessions).toEqual(sessions);
  });

  it('says which folders got no session', () => {
    const tracked = ['a/1', 'a/2', 'a/3', 'a/4', 'b/1', 'b/2', 'b/3', 'c/1', 'c/2', 'd/1'];
    expect(chooseStarter(facts({ tracked })).sessionsWhy).toBe('from the largest top-level source folders (a/, b/, c/); not given one: d/');
  });

  it('falls back to placeholders when there is no source folder', () => {
    expect(chooseStarter(facts({ tracked: ['README.md', 'docs/a.md'] }))).toMatchObject({
      sessions: [{ name: 'api' }, { name: 'web' }],
      sessionsWhy: 'no source folder found: name the folders each session owns',
    });
  });
});

describe('renderStarter', () => {
  const template = readFileSync(new URL('../../templates/parx.config.yaml', import.meta.url), 'utf8');
  it.each([
    ['clsx', { ...clsx, agents: ['claude'] }],
    ['nothing known', facts({})],
    [
      'a tracked pnpm lockfile',
      facts({
        tracked: ['package.json', 'pnpm-lock.yaml', 'src/a/x', 'src/b/y'],
        lockfiles: ['pnpm-lock.yaml'],
        packageJson: { scripts: { test: 'x' }, packageManager: 'pnpm@9.0.0' },
      }),
    ],
  ])('%s: a config parx accepts, with each choice and its reason', async (_, given) => {
    const choices = chooseStarter(given);
    const text = renderStarter(template, choices, { schema: 'https://example.test/schema.json', reference: 'https://example.test/README.md#configuration' });
    expect(text).not.toMatch(/\{(schema|reference|agent|setup|shared|writable|verify|sessions|sessionsWhy)\}/);
    expect(text).toContain('{promptFile}');
    const dir = mkdtempSync(join(tmpdir(), 'parx-starter-'));
    writeFileSync(join(dir, 'parx.config.yaml'), text);
    const validation = validateConfig((await readConfigFile(dir, [dir])).raw, { readTaskFile: () => '' });
    expect(validation.ok, JSON.stringify(validation)).toBe(true);
    expect(text).toContain(`agent: ${choices.agent.preset}`);
    if (choices.verify) expect(text).toContain(`verify: ${choices.verify.command}`);
    if (choices.install?.lockfile) expect(text).toContain(`${choices.install.lockfile.key}: [${choices.install.lockfile.path}]`);
    expect(text).not.toContain('/node_modules/');
  });
});
