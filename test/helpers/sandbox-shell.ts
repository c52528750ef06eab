import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SCRIPT_PLAIN } from '../../src/adapters/bwrap.js';
import type { RunFixture } from './fixture.js';

/**
 * Runs a shell script inside a session's OS sandbox, exactly as its pane runs (the run's own
 * bwrap options and seccomp filter), in its worktree: what "typed into a's pane" means in the
 * hostile-agent tests.
 */
export async function inSandbox(
  run: RunFixture,
  session: string,
  script: string,
  env: Record<string, string> = {},
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const dir = join(run.root, '.git/parx/sandbox');
  // (A parx from before the seccomp filter: its options name no fd 5.)
  const launch = existsSync(join(dir, 'mknod.bpf'))
    ? [SCRIPT_PLAIN, 'bwrap', join(dir, `${session}.args`), join(dir, 'mknod.bpf')]
    : ['f=$1; shift; exec "$0" --args 3 -- "$@" 3<"$f"', 'bwrap', join(dir, `${session}.args`)];
  const result = await execa('sh', ['-c', ...launch, 'sh', '-c', script], {
    cwd: run.worktree(session),
    env: { ROOT: run.root, COMMON: join(run.root, '.git'), ...env },
    reject: false,
    stdin: 'ignore',
    timeout: 30_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}
