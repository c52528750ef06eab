import { execa } from 'execa';
import { findExecutable } from './files.js';

/**
 * bubblewrap, the OS sandbox on Linux (Debian/Ubuntu package `bubblewrap`): unprivileged,
 * through user namespaces. Present is not enough (a kernel or container may forbid user
 * namespaces), so it is probed once with the same options the panes use.
 */

export type SandboxProbe = { ok: true; program: string } | { ok: false; reason: string };

let probed: Promise<SandboxProbe> | undefined;

export function probeBwrap(): Promise<SandboxProbe> {
  probed ??= runProbe();
  return probed;
}

async function runProbe(): Promise<SandboxProbe> {
  if (process.platform !== 'linux')
    return { ok: false, reason: `no OS sandbox for ${process.platform} yet (macOS: see docs/safety.md's experimental sandbox-exec profile)` };
  // PARX_BWRAP: a bwrap outside PATH (or, in tests, one that is not there).
  const program = await findExecutable(process.env.PARX_BWRAP || 'bwrap', process.cwd());
  if (!program) return { ok: false, reason: 'bubblewrap is not installed (apt install bubblewrap, or dnf install bubblewrap)' };
  const result = await execa(
    program,
    ['--ro-bind', '/', '/', '--dev-bind', '/dev', '/dev', '--proc', '/proc', '--unshare-pid', '--die-with-parent', '--cap-drop', 'ALL', '--', 'true'],
    {
      reject: false,
      timeout: 10_000,
      stdin: 'ignore',
    },
  );
  if (result.failed) {
    const why = (result.stderr || result.shortMessage || '').trim().split('\n')[0] ?? '';
    return { ok: false, reason: `bubblewrap cannot start a sandbox here: ${why} (user namespaces may be disabled: sysctl kernel.unprivileged_userns_clone=1)` };
  }
  return { ok: true, program };
}

/**
 * The argv that runs `argv` in a sandbox: bwrap reads its mount options from the file
 * (NUL-separated, ending in `--seccomp 5`), its seccomp filter from the second file (on fd 5),
 * copies `copied` (files of the home folder, as they are at this start) into the sandbox's
 * scratch home, then runs `argv`. A constant script: bwrap, the files and the command arrive as
 * arguments.
 */
export function wrapInSandbox(program: string, files: { args: string; seccomp: string }, copied: readonly string[], argv: readonly string[]): string[] {
  const file = copied[0];
  if (copied.length > 1) throw new Error('one copied home file is supported');
  if (!file) return ['sh', '-c', SCRIPT_PLAIN, program, files.args, files.seccomp, ...argv];
  return ['sh', '-c', SCRIPT_COPY, program, files.args, files.seccomp, file, ...argv];
}

/** The fd bwrap reads the seccomp filter from (`--seccomp 5` in the options file). */
export const SECCOMP_FD = 5;

/** $0 bwrap, $1 the options file, $2 the seccomp filter, then the command. */
export const SCRIPT_PLAIN = 'f=$1; s=$2; shift 2; exec "$0" --args 3 -- "$@" 3<"$f" 5<"$s"';
/** $0 bwrap, $1 the options file, $2 the seccomp filter, $3 a home file to copy in when it exists, then the command. */
export const SCRIPT_COPY =
  'f=$1; s=$2; c=$3; shift 3; if [ -f "$c" ]; then exec "$0" --args 3 --file 4 "$c" -- "$@" 3<"$f" 4<"$c" 5<"$s"; fi; exec "$0" --args 3 -- "$@" 3<"$f" 5<"$s"';
