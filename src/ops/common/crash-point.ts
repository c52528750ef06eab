/**
 * Named points inside `parx down` (and `up`) where a test can make the process die at once, as
 * with `kill -9` (PARX_TEST_CRASH_AT=<point>): how the "nothing is lost after a crash" suite
 * reaches every step between moving base and deleting a branch. A no-op unless that variable is set.
 */
export type CrashPoint =
  | 'before-fast-forward'
  | 'after-fast-forward'
  | 'after-verify'
  | 'before-worktree-remove'
  | 'after-worktree-remove'
  | 'after-backup-refs'
  | 'after-branch-delete'
  | 'before-host-cleanup'
  | 'after-host-cleanup'
  | 'up-before-programs';

export function crashPoint(point: CrashPoint): void {
  if (process.env.PARX_TEST_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
