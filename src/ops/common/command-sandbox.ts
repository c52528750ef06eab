import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { probeBwrap, SECCOMP_FD, wrapInSandbox } from '../../adapters/bwrap.js';
import { realpath } from '../../adapters/git-dir.js';
import { runCommandLine, runProgram, type CommandOutcome } from '../../adapters/shell-command.js';
import { UsageError } from '../../core/errors.js';
import { planSandboxMounts, toBwrapArgs, type SandboxFacts } from '../../core/sandbox-plan.js';
import { mergeEnv } from '../../core/session-env.js';
import type { Project } from './project.js';
import { gatherOutsideFacts, getHiddenSocketVariables } from './sandbox-outside.js';
import { ensureSeccompFilter } from './sandbox.js';
import { writeFileAtomically } from '../../adapters/untrusted-files.js';

/**
 * The one sandbox for every run of code a session wrote, outside its pane: `integrate`'s setup
 * and verify (in its scratch checkout), `down`'s verify (in the main checkout, on the merged
 * code), teardown (in the session's worktree), resolve commands and reviewers. A test file a
 * session committed runs when verify runs; without this it would run with the user's rights.
 *
 * Writable: the checkout it runs in (but its `.git`), temp folders, agents' and tools' caches in
 * the home folder, and `writable:` folders (the way to widen it). Read-only: everything else,
 * the repository's git data, parx's run files and every other checkout included. The user's
 * sockets are hidden as in a pane (`guard.sockets` gives one). `guard.sandbox: off` runs these
 * commands unsandboxed too, and where bubblewrap cannot work (`auto`) they run unsandboxed with
 * a note; `on` refuses.
 */

export interface CommandRunner {
  /** Whether the commands run sandboxed, and if not, why. */
  sandboxed: boolean;
  note: string | undefined;
  run(command: string, vars: Record<string, string>, onLine?: (line: string) => void): Promise<CommandOutcome>;
  /** Runs a program (no shell) for at most `timeoutMs`. */
  runArgv(argv: readonly string[], vars: Record<string, string>, timeoutMs: number): Promise<CommandOutcome & { timedOut: boolean }>;
}

export interface RunnerOptions {
  /**
   * The checkout stays read-only too (a reviewer's): only `answer` folders, temp folders and the
   * agents' caches are writable.
   */
  readOnlyCheckout?: boolean;
  /** Absolute folders writable besides (a reviewer's answer folder). */
  writable?: readonly string[];
}

export async function prepareCommandRunner(project: Project, checkout: string, options: RunnerOptions = {}): Promise<CommandRunner> {
  const mode = project.config.guard.sandbox;
  const probe = mode === 'off' ? undefined : await probeBwrap();
  const sockets = project.config.guard.sockets;
  if (!probe?.ok) {
    if (mode === 'on') throw new UsageError(`guard.sandbox: on, but ${probe && !probe.ok ? probe.reason : 'no sandbox'}: commands on session code cannot run`);
    const note =
      mode === 'off'
        ? 'guard.sandbox: off: commands on session code run unsandboxed'
        : `commands on session code run unsandboxed: ${probe?.ok === false ? probe.reason : 'no sandbox'}`;
    return {
      sandboxed: false,
      note,
      run: (command, vars, onLine) => runCommandLine(command, checkout, mergeEnv(process.env, vars), onLine),
      runArgv: (argv, vars, timeoutMs) => runProgram(argv, checkout, mergeEnv(process.env, vars), timeoutMs),
    };
  }
  const real = realpath(checkout);
  const commonDir = realpath(project.commonDir);
  const outside = await gatherOutsideFacts({
    env: project.config.env,
    writable: project.config.writable.filter((w) => w.startsWith('/') || w.startsWith('~')),
    tmuxSocket: undefined,
    sockets,
  });
  const protect = [
    { path: realpath(project.root), why: 'the main checkout' },
    { path: realpath(project.worktreeDir), why: "every session's worktree" },
    { path: commonDir, why: "git's data and parx's run files" },
    // What does not exist cannot be written through (bubblewrap cannot mount it either): the
    // worktree folder before the first `parx up`.
  ].filter((p) => p.path !== real && existsSync(p.path));
  const facts: SandboxFacts = {
    worktree: real,
    open: options.readOnlyCheckout ? [] : [{ path: '', why: 'the checkout the command runs in' }],
    close: existsSync(join(real, '.git')) ? [{ path: '.git', why: "the checkout's git link" }] : [],
    protect: options.readOnlyCheckout ? [...protect, { path: real, why: "the reviewer's checkout" }] : protect,
    // Deeper than the protected git data they live in: a mount of their own wins.
    gitWritable: (options.writable ?? []).map((path) => ({ path: realpath(path), why: 'its answer' })),
    gitReadOnly: [],
    ...outside,
  };
  const args = [...toBwrapArgs(planSandboxMounts(facts)), '--seccomp', String(SECCOMP_FD)];
  const dir = join(project.files.dir, 'sandbox');
  await mkdir(dir, { recursive: true });
  const name = createHash('sha256').update(real).digest('hex').slice(0, 12);
  const files = { args: join(dir, `command-${name}.args`), seccomp: await ensureSeccompFilter(dir) };
  await writeFileAtomically(files.args, `${args.join('\0')}\0`);
  const wrapper = wrapInSandbox(probe.program, files, [], []);
  const hidden = getHiddenSocketVariables(sockets);
  return {
    sandboxed: true,
    note: undefined,
    run: (command, vars, onLine) => runCommandLine(command, checkout, mergeEnv(process.env, vars, hidden), onLine, wrapper),
    runArgv: (argv, vars, timeoutMs) => runProgram(argv, checkout, mergeEnv(process.env, vars, hidden), timeoutMs, wrapper),
  };
}
