// The package as users get it: `npm pack` (which builds, through prepack), install the tarball
// into a temporary prefix the way `npm i -g parx` does, and drive the installed binary through
// --version, --help, init, plan, up --detach and down on a temporary repository; then the same
// tarball through `npx` from a cold npm cache. Prints the installed size and the cold npx start.
// Run by .ci/run (`npm run test:pack`); exits non-zero on the first thing that is wrong.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'parx-pack-'));
const env = {
  ...process.env,
  HOME: join(work, 'home'),
  TMUX_TMPDIR: work,
  GIT_AUTHOR_NAME: 'pack',
  GIT_AUTHOR_EMAIL: 'pack@parx.invalid',
  GIT_COMMITTER_NAME: 'pack',
  GIT_COMMITTER_EMAIL: 'pack@parx.invalid',
};
delete env.TMUX;
mkdirSync(env.HOME);

function run(command, args, { cwd = work, expectCode = 0, extraEnv = {} } = {}) {
  const result = spawnSync(command, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  if (result.status !== expectCode) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status} (expected ${expectCode})\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout.trim();
}
const check = (ok, what) => {
  if (!ok) throw new Error(`pack smoke test: ${what}`);
  console.log(`✓ ${what}`);
};

try {
  const tarball = join(work, run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root }).split('\n').pop());
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
  for (const needed of [
    'package/bin/parx.js',
    'package/dist/main.js',
    'package/dist/hook/hook.js',
    'package/schema/parx.schema.json',
    'package/templates/parx.config.yaml',
    'package/README.md',
    // What `parx doctor` compares each installed agent's version with.
    'package/test/real/versions.json',
  ]) {
    check(files.includes(needed), `the package holds ${needed.slice('package/'.length)}`);
  }
  check(!files.some((f) => f.endsWith('.map') || f.includes('node_modules/')), 'the package holds no source maps and no node_modules');
  const manifest = JSON.parse(execFileSync('tar', ['xzfO', tarball, 'package/package.json'], { encoding: 'utf8' }));
  check(!manifest.dependencies || Object.keys(manifest.dependencies).length === 0, 'no runtime dependencies: the bundle carries them');

  const prefix = join(work, 'prefix');
  const started = performance.now();
  run('npm', ['install', '--global', '--prefix', prefix, '--cache', join(work, 'npm-cache'), '--no-audit', '--no-fund', tarball]);
  const installMs = performance.now() - started;
  const parx = join(prefix, 'bin', 'parx');
  check(run(parx, ['--version']) === version, `the installed parx --version prints ${version}`);
  check(run(parx, ['--help']).includes('down'), 'the installed parx --help lists the commands');

  const repo = join(work, 'repo');
  mkdirSync(join(repo, 'src', 'a'), { recursive: true });
  mkdirSync(join(repo, 'src', 'b'), { recursive: true });
  writeFileSync(join(repo, 'src', 'a', 'x.ts'), 'export const x = 1;\n');
  writeFileSync(join(repo, 'src', 'b', 'y.ts'), 'export const y = 1;\n');
  run('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  run(parx, ['init'], { cwd: repo });
  check(
    readFileSync(join(repo, 'parx.config.yaml'), 'utf8').startsWith(`# yaml-language-server: $schema=https://unpkg.com/parx@${version}/`),
    'parx init writes a config that names its schema',
  );
  rmSync(join(repo, 'parx.config.yaml'));
  const sessions = { a: { owns: ['src/a/**'], task: 'Change x.' }, b: { owns: ['src/b/**'], task: 'Change y.' } };
  writeFileSync(
    join(repo, 'parx.config.json'),
    JSON.stringify({
      $schema: `https://unpkg.com/parx@${version}/schema/parx.schema.json`,
      agent: 'tail -f {promptFile}',
      worktreeDir: join(work, 'wt'),
      sessions,
    }),
  );
  run('git', ['add', '-A'], { cwd: repo });
  run('git', ['commit', '-q', '-m', 'initial'], { cwd: repo });

  const plan = JSON.parse(run(parx, ['plan', '--json'], { cwd: repo }));
  check(plan.sessions.map((s) => `${s.name}:${s.files}`).join(' ') === 'a:1 b:1', 'plan maps each session onto its file');
  run(parx, ['up', '--detach'], { cwd: repo });
  const panes = run('tmux', ['list-panes', '-s', '-t', '=parx-repo', '-F', '#{pane_current_path}']).split('\n');
  check(panes.includes(join(work, 'wt', 'a')) && panes.includes(join(work, 'wt', 'b')), 'up --detach starts a pane in each worktree');
  writeFileSync(join(work, 'wt', 'a', 'src', 'a', 'x.ts'), 'export const x = 2;\n');
  run('git', ['commit', '-q', '-am', 'a: x = 2'], { cwd: join(work, 'wt', 'a') });
  const down = JSON.parse(run(parx, ['down', '--json'], { cwd: repo }));
  check(
    down.ok && down.finished && down.sessions.map((s) => `${s.name}:${s.outcome.kind}`).join(' ') === 'a:merged b:in-base',
    'down --json reports a merged and b with nothing to merge',
  );
  check(readFileSync(join(repo, 'src', 'a', 'x.ts'), 'utf8') === 'export const x = 2;\n', "down merges a's commit into main");
  check(
    run('git', ['worktree', 'list', '--porcelain'], { cwd: repo })
      .split('\n')
      .filter((l) => l.startsWith('worktree ')).length === 1,
    'down removes the worktrees',
  );

  // `npx parx` from a cold cache: what a first-time user waits for.
  const npxStarted = performance.now();
  const npxVersion = run('npx', ['--yes', '--cache', join(work, 'npx-cache'), '--package', tarball, 'parx', '--version']);
  const npxMs = performance.now() - npxStarted;
  check(npxVersion === version, 'npx parx --version works from a cold npm cache');

  const installedKb = Number(execFileSync('du', ['-sk', join(prefix, 'lib', 'node_modules', 'parx')], { encoding: 'utf8' }).split('\t')[0]);
  console.log(
    `installed size ${(installedKb / 1024).toFixed(1)} MB (du -sk), npm install ${Math.round(installMs)} ms, cold npx parx --version ${Math.round(npxMs)} ms`,
  );
} finally {
  spawnSync('tmux', ['kill-server'], { env });
  rmSync(work, { recursive: true, force: true });
}
