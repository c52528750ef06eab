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
  if (process.platform !== 'linux') return { ok: false, reason: `no OS sandbox for ${process.platform} yet (macOS: see the README's experimental sandbox-exec profile)` };
  // PARX_BWRAP: a bwrap outside PATH (or, in tests, one that is not there).
  const program = await findExecutable(process.env.PARX_BWRAP || 'bwrap', process.cwd());
  if (!program) return { ok: false, reason: 'bubblewrap is not installed (apt install bubblewrap, or dnf install bubblewrap)' };
  const result = await execa(program, ['--ro-bind', '/', '/', '--dev-bind', '/dev', '/dev', '--proc', '/proc', '--unshare-pid', '--die-with-parent', '--cap-drop', 'ALL', '--', 'true'], {
    reject: false,
    timeout: 10_000,
    stdin: 'ignore',
  });
  if (result.failed) {
    const why = (result.stderr || result.shortMessage || '').trim().split('\n')[0] ?? '';
    return { ok: false, reason: `bubblewrap cannot start a sandbox here: ${why} (user namespaces may be disabled: sysctl kernel.unprivileged_userns_clone=1)` };
  }
  return { ok: true, program };
}

/** The pane's argv: bwrap reads its mount options from the file (NUL-separated), then runs `argv`. */
export function wrapInSandbox(program: string, argsFile: string, argv: readonly string[]): string[] {
  // A constant script; bwrap, the file and the command arrive as arguments, never as shell text.
  return ['sh', '-c', 'f=$1; shift; exec "$0" --args 3 -- "$@" 3<"$f"', program, argsFile, ...argv];
}
