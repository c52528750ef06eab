// Runs a command and prints each line of its output as JSON, `{ms, text}`, ms counted from the
// spawn, then `{exit, ms, guardedMs}` when it exits: when a `parx up` started each pane, not only
// when it ended. With STAMP_RUN_DIR (a run's `<git-common-dir>/parx`), guardedMs is when the
// recording guard watched every session of the run (guard.json's `watching`; a build from before
// it, whose guard started once every worktree was filled: when guard.json appeared), looked for
// once the command has exited, so never earlier than that: it errs against a build whose guard
// is ready first. Its own start (Node's, ~40 ms) comes before the spawn and is not counted.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [command, ...args] = process.argv.slice(2);
const started = performance.now();
const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let rest = '';
let exitMs = 0;
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  const lines = (rest + chunk).split('\n');
  rest = lines.pop();
  for (const text of lines) process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, text })}\n`);
});
child.on('exit', () => (exitMs = performance.now() - started));
child.on('close', async (code) => {
  const guardedMs = code === 0 && process.env.STAMP_RUN_DIR ? await waitUntilGuarded(process.env.STAMP_RUN_DIR) : undefined;
  process.stdout.write(`${JSON.stringify({ exit: code, ms: exitMs, guardedMs })}\n`);
  process.exitCode = code ?? 1;
});

async function waitUntilGuarded(dir) {
  const sessions = Object.keys(readJson(join(dir, 'state.json'))?.sessions ?? {});
  for (const until = performance.now() + 30_000; performance.now() < until; await new Promise((r) => setTimeout(r, 5))) {
    const health = readJson(join(dir, 'guard.json'));
    if (health && (!health.watching || sessions.every((s) => health.watching.includes(s)))) return performance.now() - started;
  }
  return undefined;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
