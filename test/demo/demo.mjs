#!/usr/bin/env node
// `npm run demo`: makes a small example repository in a temp folder, with a parx config of three
// sessions that use the `shell` agent, and runs `parx up` on it. On a terminal you land in the
// tmux grid (detach with C-b d); otherwise the grid is described and left running.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
const config = `# parx demo: three sessions, each owning one corner of the repository.
agent: shell
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
spawnSync(process.execPath, [parx, 'plan'], { cwd: repo, stdio: 'inherit' });
console.log();
const up = spawnSync(process.execPath, [parx, 'up'], { cwd: repo, stdio: 'inherit' });
if (up.status !== 0) process.exit(up.status ?? 1);
if (!interactive) {
  const session = execFileSync('tmux', ['list-panes', '-s', '-t', '=parx-shop', '-F', '#{pane_id}  #{@parx_session}  #{pane_current_path}'], { encoding: 'utf8' });
  console.log(`\nThe tmux grid (pane, session, worktree):\n${session}`);
  console.log(`Look at it with:  tmux attach -t parx-shop        Stop it with:  tmux kill-session -t parx-shop`);
}
