import { SESSION_NAME } from './config-validate.js';

/**
 * What `parx init` writes, fitted to the repository it runs in: the agent CLIs installed, how
 * its dependencies install (the package manager, and whether its lockfile is tracked), a
 * `verify` from its own scripts, and example sessions from its top-level source folders. Pure:
 * the facts come in, the choices (each with the reason the starter's comments give) come out.
 */

export interface RepoFacts {
  /** Agent presets whose program is on PATH, in the order parx prefers them. */
  agents: string[];
  /** Tracked files, repository-relative. */
  tracked: string[];
  /** Lockfiles at the top of the checkout (tracked or not). */
  lockfiles: string[];
  /** The top-level package.json's scripts and packageManager field, when there is one. */
  packageJson?: { scripts: Record<string, string>; packageManager?: string };
  /** Targets of the top-level Makefile, when there is one. */
  makeTargets?: string[];
}

export interface StarterChoices {
  agent: { preset: string; why: string };
  install?: { setup: string; lockfile?: { path: string; key: 'shared' | 'writable' }; why: string };
  verify?: { command: string; why: string };
  sessions: Array<{ name: string; owns: string[] }>;
  /** Why these sessions (and the folders left out, if any). */
  sessionsWhy: string;
}

/** In the order a starter picks one: the agents parx drives with hooks first. */
export const AGENT_PREFERENCE = ['claude', 'codex', 'agy', 'gemini', 'aider'] as const;

const NODE_MANAGERS: Array<{ manager: string; lockfiles: string[]; frozen: string; install: string }> = [
  { manager: 'pnpm', lockfiles: ['pnpm-lock.yaml'], frozen: 'pnpm install --frozen-lockfile', install: 'pnpm install' },
  { manager: 'yarn', lockfiles: ['yarn.lock'], frozen: 'yarn install --frozen-lockfile', install: 'yarn install' },
  { manager: 'bun', lockfiles: ['bun.lock', 'bun.lockb'], frozen: 'bun install --frozen-lockfile', install: 'bun install' },
  { manager: 'npm', lockfiles: ['package-lock.json', 'npm-shrinkwrap.json'], frozen: 'npm ci', install: 'npm install' },
];

/** Every lockfile name the starter looks for at the top of a checkout. */
export const NODE_LOCKFILES = NODE_MANAGERS.flatMap((m) => m.lockfiles);

/** Top-level folders that hold something other than the code sessions divide up. */
const NOT_SOURCE = new Set([
  'test',
  'tests',
  '__tests__',
  'spec',
  'specs',
  'e2e',
  'doc',
  'docs',
  'example',
  'examples',
  'fixtures',
  'vendor',
  'third_party',
  'dist',
  'build',
  'out',
  'node_modules',
  'target',
]);

/** Folders whose subfolders are the units of work (a `src/` of features, a monorepo's `packages/`). */
const CONTAINERS = new Set(['src', 'lib', 'packages', 'apps', 'crates', 'services', 'modules', 'cmd', 'internal', 'pkg']);

/** Folders where tests for a source folder of the same name live. */
const TEST_FOLDERS = ['test', 'tests', 'spec', '__tests__'];

const MAX_SESSIONS = 3;
/** npm init's `test` script: not a test suite. */
const NO_TEST = /no test specified/;

export function chooseStarter(facts: RepoFacts): StarterChoices {
  const install = chooseInstall(facts);
  return {
    agent: chooseAgent(facts.agents),
    ...(install && { install }),
    ...chooseVerify(facts, install?.manager),
    ...chooseSessions(facts.tracked),
  };
}

function chooseAgent(found: readonly string[]): StarterChoices['agent'] {
  const preset = AGENT_PREFERENCE.find((a) => found.includes(a));
  if (!preset) return { preset: 'shell', why: `no agent CLI found on PATH (${AGENT_PREFERENCE.join(', ')}): each pane opens a shell until you name one` };
  const others = found.filter((a) => a !== preset);
  return { preset, why: `found on PATH: ${[preset, ...others].join(', ')}` };
}

function chooseInstall(facts: RepoFacts): (NonNullable<StarterChoices['install']> & { manager: string }) | undefined {
  if (!facts.packageJson) return undefined;
  const declared = /^(npm|pnpm|yarn|bun)@/.exec(facts.packageJson.packageManager ?? '')?.[1];
  const manager =
    NODE_MANAGERS.find((m) => m.manager === declared) ??
    NODE_MANAGERS.find((m) => m.lockfiles.some((l) => facts.lockfiles.includes(l))) ??
    NODE_MANAGERS.at(-1)!;
  const lockfile = manager.lockfiles.find((l) => facts.lockfiles.includes(l)) ?? manager.lockfiles[0]!;
  if (facts.tracked.includes(lockfile)) {
    return {
      manager: manager.manager,
      setup: manager.frozen,
      lockfile: { path: lockfile, key: 'shared' },
      why: `${manager.manager}, ${lockfile} tracked: installed as locked; shared, so a session that adds a dependency can update it`,
    };
  }
  // Untracked: every install writes a lockfile at the top, where most sessions own nothing.
  return {
    manager: manager.manager,
    setup: manager.install,
    lockfile: { path: lockfile, key: 'writable' },
    why: `${manager.manager}, ${lockfile} not tracked: each install writes one at the top of the worktree, so it is writable for every session`,
  };
}

function chooseVerify(facts: RepoFacts, manager: string | undefined): Pick<StarterChoices, 'verify'> {
  const scripts = facts.packageJson?.scripts ?? {};
  if (manager) {
    const run = (script: string) => (manager === 'npm' && script === 'test' ? 'npm test' : `${manager} run ${script}`);
    const hasTest = scripts.test !== undefined && !NO_TEST.test(scripts.test);
    const steps = [scripts.build !== undefined && 'build', hasTest && 'test'].filter((s): s is string => typeof s === 'string');
    if (steps.length > 0) {
      const why = steps.length === 2 ? 'package.json scripts: build, then test' : `package.json scripts: ${steps[0]}`;
      return { verify: { command: steps.map(run).join(' && '), why } };
    }
  }
  if (facts.tracked.includes('Cargo.toml')) return { verify: { command: 'cargo build && cargo test', why: 'Cargo.toml' } };
  if (facts.tracked.includes('go.mod')) return { verify: { command: 'go build ./... && go test ./...', why: 'go.mod' } };
  const targets = facts.makeTargets ?? [];
  if (targets.includes('test')) {
    const build = ['build', 'all'].find((t) => targets.includes(t));
    return { verify: { command: build ? `make ${build} && make test` : 'make test', why: `Makefile targets: ${build ? `${build}, then test` : 'test'}` } };
  }
  return {};
}

function chooseSessions(tracked: readonly string[]): Pick<StarterChoices, 'sessions' | 'sessionsWhy'> {
  const count = countFilesByFolder(tracked);
  const top = [...count.keys()].filter((f) => !f.includes('/') && isSourceFolder(f));
  // A lone container (only `src/`, or `src/` beside `bin/`) divides by its subfolders.
  const expanded = top.flatMap((folder) => {
    const children = [...count.keys()].filter(
      (f) => f.startsWith(`${folder}/`) && !f.slice(folder.length + 1).includes('/') && isUsableName(f.slice(folder.length + 1)),
    );
    return CONTAINERS.has(folder) && children.length >= 2 ? children : [folder];
  });
  // Largest first; at a tie, the conventional source folder (`src/` before `bin/`), then by name.
  const conventional = (f: string) => (CONTAINERS.has(f) ? 0 : 1);
  const ranked = expanded.sort((a, b) => count.get(b)! - count.get(a)! || conventional(a) - conventional(b) || a.localeCompare(b));
  const chosen = ranked.slice(0, MAX_SESSIONS);
  const left = ranked.slice(MAX_SESSIONS);
  const names = new Set<string>();
  const sessions = chosen.map((folder) => {
    const name = toSessionName(folder.split('/').at(-1)!, names);
    names.add(name);
    const tests = TEST_FOLDERS.map((t) => `${t}/${folder.split('/').at(-1)}`).filter((t) => count.has(t));
    return { name, owns: [`${folder}/**`, ...tests.map((t) => `${t}/**`)] };
  });
  if (sessions.length === 0) {
    return {
      sessions: [
        { name: 'api', owns: ['src/api/**'] },
        { name: 'web', owns: ['src/web/**'] },
      ],
      sessionsWhy: 'no source folder found: name the folders each session owns',
    };
  }
  const from = `from the largest top-level source folders (${chosen.map((f) => `${f}/`).join(', ')})`;
  return { sessions, sessionsWhy: left.length > 0 ? `${from}; not given one: ${left.map((f) => `${f}/`).join(', ')}` : from };
}

/** Tracked files under each folder (at any depth), by folder path. */
function countFilesByFolder(tracked: readonly string[]): Map<string, number> {
  const count = new Map<string, number>();
  for (const file of tracked) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      count.set(folder, (count.get(folder) ?? 0) + 1);
    }
  }
  return count;
}

function isSourceFolder(name: string): boolean {
  return !name.startsWith('.') && !NOT_SOURCE.has(name.toLowerCase()) && isUsableName(name);
}

/** Names a glob and a YAML plain scalar can carry as they are (no glob or YAML syntax). */
function isUsableName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name);
}

function toSessionName(folder: string, taken: ReadonlySet<string>): string {
  const base =
    folder
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^[-_]+/, '')
      .slice(0, 36) || 'work';
  let name = base;
  for (let n = 2; taken.has(name) || !SESSION_NAME.test(name); n++) name = `${base}-${n}`;
  return name;
}

/** The starter's text: the template with the choices filled in, each with its reason. */
export function renderStarter(template: string, choices: StarterChoices, links: { schema: string; reference: string }): string {
  const { install, verify } = choices;
  const lines = (key: 'shared' | 'writable', fallback: string) =>
    install?.lockfile?.key === key ? `# ${install.why}.\n${key}: [${install.lockfile.path}]` : fallback;
  const sessions = choices.sessions
    // A block scalar: whatever the task will say (a `: `, a `#`) stays text.
    .map((s) => [`  ${s.name}:`, `    owns: [${s.owns.join(', ')}]`, '    task: |', `      Describe the work for ${s.name} here.`].join('\n'))
    .join('\n');
  const values: Record<string, string> = {
    schema: links.schema,
    reference: links.reference,
    agent: `# ${choices.agent.why}.\nagent: ${choices.agent.preset}`,
    setup: install ? `setup: ${install.setup}` : '# setup: npm ci',
    shared: lines('shared', '# shared: [package-lock.json]'),
    writable: lines('writable', '# writable: [package-lock.json]'),
    verify: verify ? `# From ${verify.why}.\nverify: ${verify.command}` : '# verify: npm test',
    sessionsWhy: `# Example sessions, ${choices.sessionsWhy}.\n# Give each a task; \`after: [other]\` merges a session after another.`,
    sessions,
  };
  // Only the starter's own placeholders: `{prompt}` and `{repo}` in its comments stay as written.
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}
