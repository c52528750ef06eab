import { execFileSync } from 'node:child_process';

/**
 * Whether the real bubblewrap can start a sandbox here. The sandbox suites skip (visibly) only
 * off CI when it cannot: CI installs bubblewrap and must run them.
 */
export const hasBwrap = (() => {
  try {
    execFileSync('bwrap', ['--ro-bind', '/', '/', '--unshare-pid', '--cap-drop', 'ALL', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export const skipSandboxSuite = !hasBwrap && !process.env.CI;
