#!/usr/bin/env node
// `npm run demo`: makes a small example repository in a temp folder, with a parx config of three
// sessions, runs `parx up` on it, then plays a misbehaving agent so the sandbox and the guard have
// something to stop and flag. The sessions use the `shell` agent, or a real one with
// PARX_DEMO_AGENT=claude|codex|gemini when it is installed (logged in as you are). On a terminal
// you land in the tmux grid (detach with C-b d); otherwise the grid and the guard's output are
// printed and the grid is left running.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const parx = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'parx.js');
const repo = join(mkdtempSync(join(tmpdir(), 'parx-demo-')), 'shop');

const files = {
  'README.md': '# shop\n\nA tiny example service for the parx demo.\n',
  'package.json': '{ "name": "shop", "private": true }\n',
  'src/auth/login.js': 'export function login(user) {\n  return { user, token: "todo" };\n}\n',
  'src/payments/charge.js': 'export function charge(amount) {\n  return { amount, ok: true };\n}\n',
  'src/web/index.html': '<!doctype html>\n<title>shop</title>\n',
  'test/auth/login.test.js': '// tests for login\n',
};
const wanted = process.env.PARX_DEMO_AGENT;
const installed = (program) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { stdio: 'ignore' }).status === 0;
const agent = wanted && ['claude', 'codex', 'gemini'].includes(wanted) && installed(wanted) ? wanted : 'shell';
if (wanted && agent !== wanted) console.log(`(${wanted} is not installed here: the demo uses the shell agent)\n`);
const config = `# parx demo: three sessions, each owning one corner of the repository.
agent: ${agent}
shared: [package.json]
sessions:
  auth:
    owns: [src/auth/**, test/auth/**]
    task: Replace the "todo" token in src/auth/login.js with a signed JWT.
  payments:
    owns: [src/payments/**]
    task: Make charge() refuse negative amounts.
    after: [auth]
  web:
    owns: [src/web/**]
    task: Add a login form to src/web/index.html.
`;

for (const [path, text] of Object.entries({ ...files, 'parx.config.yaml': config })) {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
}
const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
git('init', '-q', '-b', 'main');
git('add', '-A');
git('-c', 'user.name=parx demo', '-c', 'user.email=demo@parx.invalid', 'commit', '-q', '-m', 'shop: initial');

console.log(`Demo repository: ${repo}\n`);
const interactive = process.stdout.isTTY && process.stdin.isTTY;
const parxIn = (cwd, ...args) => spawnSync(process.execPath, [parx, ...args], { cwd, stdio: 'inherit' }).status;
parxIn(repo, 'plan');
console.log();
const status = parxIn(repo, 'up', '--detach');
if (status !== 0) process.exit(status ?? 1);

// Play a misbehaving agent: from inside auth's pane sandbox, a shell write into payments' file.
const auth = join(dirname(repo), 'shop.parx', 'auth');
const argsFile = join(repo, '.git', 'parx', 'sandbox', 'auth.args');
if (existsSync(argsFile)) {
  const attempt = 'echo "// auth was here" >> src/payments/charge.js';
  console.log(`\nInside auth's sandbox, as its agent's shell would: ${attempt}`);
  const result = spawnSync('sh', ['-c', 'exec bwrap --args 3 -- sh -c "$1" 3<"$0"', argsFile, attempt], { cwd: auth, encoding: 'utf8' });
  console.log(`  → exit ${result.status}: ${result.stderr.trim()}`);
} else {
  console.log('\n(No OS sandbox here: install bubblewrap to see a shell write refused.)');
}

// The same write from outside any sandbox (you, or an agent with the sandbox off) is flagged.
writeFileSync(join(auth, 'src/payments/charge.js'), 'export function charge() { return { ok: true }; } // edited by auth\n');
console.log(`\nNow the same file written from outside the sandbox, in auth's worktree. parx check:\n`);
parxIn(repo, 'check');

// Play two well-behaved agents that finish and commit, then ask parx what `down` would do.
for (const [session, path, text] of [
  [
    'payments',
    'src/payments/charge.js',
    'export function charge(amount) {\n  if (amount < 0) throw new RangeError("negative amount");\n  return { amount, ok: true };\n}\n',
  ],
  ['web', 'src/web/index.html', '<!doctype html>\n<title>shop</title>\n<form action="/login"><input name="user"><button>Log in</button></form>\n'],
]) {
  const worktree = join(dirname(repo), 'shop.parx', session);
  writeFileSync(join(worktree, path), text);
  execFileSync('git', ['add', '-A'], { cwd: worktree });
  execFileSync('git', ['-c', 'user.name=parx demo', '-c', 'user.email=demo@parx.invalid', 'commit', '-q', '-m', `${session}: done`], { cwd: worktree });
}
console.log('\npayments and web committed their work. What would `parx down` do? (parx down --dry-run)\n');
parxIn(repo, 'down', '--dry-run');
console.log(`\nTo finish for real: cd ${repo} && parx down   (run the built one with: node ${parx} down)`);
await new Promise((r) => setTimeout(r, 1500));

if (interactive) {
  console.log("\nAttaching to the grid: the guard pane has flagged it and auth's border shows ✗ 1 (detach with C-b d)…");
  await new Promise((r) => setTimeout(r, 2000));
  spawnSync('tmux', ['attach-session', '-t', '=parx-shop'], { stdio: 'inherit' });
} else {
  const panes = execFileSync(
    'tmux',
    [
      'list-panes',
      '-s',
      '-t',
      '=parx-shop',
      '-F',
      '#{pane_id}  #{?@parx_role,#{@parx_role},#{@parx_session}}  #{?@parx_violations,✗ #{@parx_violations},}  #{pane_current_path}',
    ],
    { encoding: 'utf8' },
  );
  console.log(`\nThe tmux grid (pane, session, violations, folder):\n${panes}`);
  const guardPane = panes
    .split('\n')
    .find((l) => l.includes(' guard '))
    ?.split(' ')[0];
  if (guardPane) console.log(`The guard pane says:\n${execFileSync('tmux', ['capture-pane', '-p', '-t', guardPane], { encoding: 'utf8' }).trim()}\n`);
  console.log('Look at it with:  tmux attach -t parx-shop        Stop it with:  tmux kill-session -t parx-shop');
}
