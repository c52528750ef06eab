import { execa, type ResultPromise } from 'execa';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findSandboxPid, LIVE_MOUNT_SCRIPT } from '../../src/adapters/sandbox-live.js';
import { skipSandboxSuite } from '../helpers/bwrap.js';
import { waitFor } from '../helpers/parx.js';

/**
 * Changing a running bubblewrap sandbox's mounts (a grant while the agent runs), with the real
 * bwrap, as an unprivileged user: run as root, the test drops to `nobody`, because root's
 * sandbox shares root's user namespace and would hide a failure to enter a user's.
 */

const NOBODY = 65534;
const asUser = process.getuid?.() === 0 ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'] : [];
const own = (path: string) => process.getuid?.() === 0 && chownSync(path, NOBODY, NOBODY);

let sandbox: ResultPromise | undefined;
let dir: string;
afterEach(() => {
  sandbox?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A worktree in /tmp (a writable folder: the sandbox must hold there too) with the sandbox's own layout. */
function makeWorktree(): string {
  dir = mkdtempSync(join(tmpdir(), 'parx-live-'));
  chmodSync(dir, 0o755);
  const wt = join(dir, 'wt');
  for (const folder of ['ctl', 'wt/mine/theirs', 'wt/other/deep']) mkdirSync(join(dir, folder), { recursive: true });
  writeFileSync(join(wt, 'other/f.ts'), 'f\n');
  writeFileSync(join(wt, 'mine/given.ts'), 'g\n');
  symlinkSync('/etc', join(wt, 'mine/etc-link'));
  symlinkSync(join(wt, 'other'), join(wt, 'mine/other-link'));
  for (const path of [dir, join(dir, 'ctl'), wt, join(wt, 'mine'), join(wt, 'mine/theirs'), join(wt, 'other'), join(wt, 'other/deep'), join(wt, 'other/f.ts'), join(wt, 'mine/given.ts')]) own(path);
  return wt;
}

/** Starts a sandbox like a session's: `mine` writable, `mine/theirs` and everything else read-only. Waits for `ctl/go`, then tries each write. */
async function startSandbox(wt: string, tries: readonly string[]): Promise<number> {
  const ctl = join(dir, 'ctl');
  const binds = ['--bind', ctl, ctl, '--bind', join(wt, 'mine'), join(wt, 'mine'), '--ro-bind', join(wt, 'mine/theirs'), join(wt, 'mine/theirs'), '--ro-bind', join(wt, 'other/deep'), join(wt, 'other/deep')];
  const script = 'cd "$1"; shift; while [ ! -e ../ctl/go ]; do sleep 0.05; done; for f; do if (echo x > "$f") 2>/dev/null; then echo "$f ok"; else echo "$f ro"; fi; done > ../ctl/out.tmp; mv ../ctl/out.tmp ../ctl/out';
  const argv = [...asUser, 'bwrap', '--ro-bind', '/', '/', '--dev-bind', '/dev', '/dev', '--proc', '/proc', ...binds, '--unshare-pid', '--die-with-parent', '--cap-drop', 'ALL', '--', 'sh', '-c', script, 'sh', wt, ...tries];
  sandbox = execa(argv[0]!, argv.slice(1), { reject: false, stdin: 'ignore' });
  return waitFor('the sandbox to start', async () => (sandbox!.pid ? await findSandboxPid(sandbox!.pid) : undefined), 10_000);
}

const change = (pid: number, wt: string, rel: string, mode: 'rw' | 'ro', create = false) =>
  execa(asUser[0] ?? 'perl', [...asUser.slice(1), ...(asUser.length > 0 ? ['perl'] : []), '-e', LIVE_MOUNT_SCRIPT, '--', mode, String(pid), wt, rel, create ? '1' : '0'], { reject: false });

describe.skipIf(skipSandboxSuite)('changing a running sandbox', () => {
  it('opens and closes paths as an unprivileged user, keeps deeper closed folders closed, and follows no symlink', async () => {
    const wt = makeWorktree();
    const tries = ['other/f.ts', 'other/deep/x', 'other/new/made.ts', 'mine/given.ts', 'mine/theirs/t', 'mine/free.ts', '/etc/parx-escape'];
    const pid = await startSandbox(wt, tries);
    // Unprivileged, bwrap made a user namespace of its own: the script must enter it to mount.
    if (asUser.length > 0) expect(readlinkSync(`/proc/${pid}/ns/user`)).not.toBe(readlinkSync('/proc/self/ns/user'));

    const cases: Array<[rel: string, mode: 'rw' | 'ro', create: boolean, ok: boolean]> = [
      ['other', 'rw', false, true], // a folder, with another session's folder inside it
      ['other/new/made.ts', 'rw', true, true], // missing: made outside, then opened
      ['mine/given.ts', 'ro', false, true], // granted away
      ['mine/etc-link', 'rw', false, false], // a symlink is never followed
      ['mine/other-link/f.ts', 'rw', false, false], // nor a symlinked folder on the way
      ['../outside', 'rw', false, false], // nor anything outside the worktree
    ];
    for (const [rel, mode, create, ok] of cases) {
      const result = await change(pid, wt, rel, mode, create);
      expect({ rel, ok: result.exitCode === 0 }, result.stderr).toEqual({ rel, ok });
    }
    expect(existsSync(join(wt, 'other/new/made.ts'))).toBe(true);

    writeFileSync(join(dir, 'ctl/go'), '');
    own(join(dir, 'ctl/go'));
    const out = await waitFor('the writes', () => (existsSync(join(dir, 'ctl/out')) ? readFileSync(join(dir, 'ctl/out'), 'utf8') : undefined), 10_000);
    expect(out.trim().split('\n')).toEqual(['other/f.ts ok', 'other/deep/x ro', 'other/new/made.ts ok', 'mine/given.ts ro', 'mine/theirs/t ro', 'mine/free.ts ok', '/etc/parx-escape ro']);
  });
});
