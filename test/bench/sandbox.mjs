// Benchmark: what the OS sandbox costs an agent's pane to start. parx's own sandboxed argv for
// a session (from state.json after `parx up`, the agent being `true`) against the same argv
// without the sandbox wrapper, alternating, medians.
//   node test/bench/sandbox.mjs [runs]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, fmt, git, makeRepo, median } from './lib.mjs';

export function benchSandboxStart({ runs = 41 } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'parx-bench-sandbox-'));
  const env = { ...process.env, TMUX_TMPDIR: base };
  delete env.TMUX;
  const repo = join(base, 'repo');
  makeRepo(repo, 200, { sessions: 8 });
  const sessions = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`s${i}`, { owns: [`src/m${i}/**`], task: `task ${i}` }]));
  writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ agent: 'true', worktreeDir: join(base, 'wt'), guard: { sandbox: 'on' }, sessions }));
  execFileSync(process.execPath, [PARX, 'up', '--detach'], { cwd: repo, env, stdio: 'ignore' });
  const command = JSON.parse(readFileSync(join(repo, '.git', 'parx', 'state.json'), 'utf8')).sessions.s0.command;
  const worktree = join(base, 'wt', 's0');
  // wrapInSandbox: sh -c SCRIPT bwrap ARGSFILE SECCOMPFILE [HOMEFILE] ...argv
  const inner = command.slice(command[2].includes('c=$3') ? 7 : 6);
  if (command[0] !== 'sh' || !command[3].endsWith('bwrap')) throw new Error(`unexpected pane command: ${command.slice(0, 5).join(' ')}`);
  const start = (argv) => {
    const t = performance.now();
    execFileSync(argv[0], argv.slice(1), { cwd: worktree, stdio: 'ignore' });
    return performance.now() - t;
  };
  const sandboxed = [];
  const plain = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      sandboxed.push(start(command));
      plain.push(start(inner));
    } else {
      plain.push(start(inner));
      sandboxed.push(start(command));
    }
  }
  try {
    execFileSync('tmux', ['kill-server'], { env, stdio: 'ignore' });
  } catch {
    // no server
  }
  git(repo, 'worktree', 'list');
  rmSync(base, { recursive: true, force: true });
  const extra = median(sandboxed.map((t, i) => t - plain[i]));
  return { sandboxed: median(sandboxed), plain: median(plain), extra };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchSandboxStart({ runs: Number(process.argv[2] ?? 41) });
  console.log(`pane start: sandboxed ${fmt(r.sandboxed)}  plain ${fmt(r.plain)}  extra (median of pairs) ${r.extra.toFixed(1)} ms`);
}
