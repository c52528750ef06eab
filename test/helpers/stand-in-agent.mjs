#!/usr/bin/env node
// A stand-in for an AI coding agent, run by parx in a tmux pane like a real one.
//
// It takes its prompt as the last argument (or from `--prompt-file <path>`), records exactly
// what it received in $STANDIN_RECORD_DIR/<session>.json, then acts on the task lines of the
// prompt:  `EDIT <path>` writes the file,  `WRITE <path>` writes it without asking any hook (as a
// shell command the hooks cannot judge would),  `SAVE <path>` writes it as Claude Code does (a
// temporary file beside it, renamed over it),  `DELETE <path>` removes it,  `COMMIT <message>`
// commits everything on the session's branch. Then it waits, as an interactive agent does,
// unless STANDIN_EXIT=1 tells it to finish.
//
// Given `--settings <file>` (as parx starts Claude Code), it behaves like a hooked Claude:
// before each EDIT it runs the PreToolUse hooks for `Write` with Claude's payload on stdin and
// skips the write when a hook exits 2 (recording the reason in <session>.denied), and records
// in <session>.approvals whether a hook approved the write (Claude would not ask the human) or
// not (Claude would ask). When the task is done it runs the Stop hooks; a Stop hook that answers
// `decision: "block"` continues it with the reason (recorded in <session>.messages), as Claude
// does. `PAUSE <name>` waits until $STANDIN_RECORD_DIR/<name> exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const args = process.argv.slice(2);
const settingsFlag = args.indexOf('--settings');
const hooks = settingsFlag >= 0 ? (JSON.parse(readFileSync(args[settingsFlag + 1], 'utf8')).hooks ?? {}) : {};

/** What the hooks of the last event printed on stdout, parsed. */
let replies = [];

/** Runs the hooks of an event as Claude Code does (sh -c, payload on stdin); returns a blocking reason, if any. */
function runHooks(event, toolName, payload) {
  replies = [];
  for (const group of hooks[event] ?? []) {
    if (group.matcher && toolName && !new RegExp(`^(?:${group.matcher})$`).test(toolName)) continue;
    for (const hook of group.hooks) {
      const result = spawnSync('sh', ['-c', hook.command], {
        input: JSON.stringify({ hook_event_name: event, cwd: process.cwd(), ...payload }),
        encoding: 'utf8',
      });
      if (result.status === 2) return result.stderr.trim();
      if (result.stdout.trim()) replies.push(JSON.parse(result.stdout));
    }
  }
  return undefined;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const fileFlag = args.indexOf('--prompt-file');
const prompt = fileFlag >= 0 ? readFileSync(args[fileFlag + 1], 'utf8') : (args.at(-1) ?? '');
const session = process.env.PARX_SESSION ?? 'unknown';
const recordDir = process.env.STANDIN_RECORD_DIR;

const record = (suffix, data) => recordDir && writeFileSync(join(recordDir, `${session}.${suffix}`), data);
if (recordDir) appendFileSync(join(recordDir, `${session}.starts`), `${Date.now()}\n`);
record(
  'json',
  JSON.stringify({
    argv: args,
    prompt,
    cwd: process.cwd(),
    env: Object.fromEntries(
      Object.entries(process.env).filter(([k]) =>
        /^(PARX_|COMPOSE_PROJECT_NAME$|CLAUDECODE$|STANDIN_|DEMO_|GEMINI_CLI_HOME$|GEMINI_CLI_TRUST_WORKSPACE$)/.test(k),
      ),
    ),
  }),
);

/** Writes a file; what the OS said (ok, or EROFS in a sandbox) is recorded in <session>.writes. */
function write(path, content, then = () => {}, recordAs = path) {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    then();
    if (recordDir) appendFileSync(join(recordDir, `${session}.writes`), `${recordAs}\tok\n`);
  } catch (error) {
    if (recordDir) appendFileSync(join(recordDir, `${session}.writes`), `${recordAs}\t${error.code}\n`);
  }
}

for (const line of prompt.split('\n')) {
  const [verb, ...rest] = line.trim().split(' ');
  const arg = rest.join(' ');
  if (verb === 'EDIT') {
    const content = `edited by ${session}\n`;
    const denied = runHooks('PreToolUse', 'Write', { tool_name: 'Write', tool_input: { file_path: resolve(arg), content } });
    if (denied) {
      if (recordDir) appendFileSync(join(recordDir, `${session}.denied`), `${arg}\t${denied}\n`);
      continue;
    }
    const approved = replies.some((r) => r.hookSpecificOutput?.permissionDecision === 'allow');
    if (recordDir) appendFileSync(join(recordDir, `${session}.approvals`), `${arg}\t${approved ? 'approved' : 'asked'}\n`);
    write(arg, content);
  } else if (verb === 'WRITE') {
    write(arg, `written by ${session}\n`);
  } else if (verb === 'SAVE') {
    // As Claude Code saves: a temporary file beside the target, renamed over it.
    write(`${arg}.tmp.${process.pid}`, `saved by ${session}\n`, () => renameSync(`${arg}.tmp.${process.pid}`, arg), arg);
  } else if (verb === 'DELETE') {
    rmSync(arg, { force: true });
  } else if (verb === 'PAUSE') {
    while (recordDir && !existsSync(join(recordDir, arg))) sleep(50);
  } else if (verb === 'COMMIT') {
    execFileSync('git', ['add', '-A'], { stdio: 'ignore' });
    execFileSync('git', ['commit', '-q', '-m', arg], { stdio: 'ignore' });
  }
}
// A Stop hook may hand the agent messages (`decision: "block"`): it goes on with them, and tries to stop again.
for (let turn = 0; turn < 5; turn++) {
  runHooks('Stop', undefined, { stop_hook_active: turn > 0 });
  const block = replies.find((r) => r.decision === 'block');
  if (!block) break;
  if (recordDir) appendFileSync(join(recordDir, `${session}.messages`), `${block.reason}\n`);
}
record('done', 'done\n');
console.log(`stand-in agent for ${session}: task done, waiting`);

if (process.env.STANDIN_EXIT === '1') process.exit(0);
setInterval(() => {}, 1 << 30);
for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
