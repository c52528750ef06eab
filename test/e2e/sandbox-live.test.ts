import { execa, type ResultPromise } from 'execa';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findSandboxPid, LIVE_MOUNT_SCRIPT } from '../../src/adapters/sandbox-live.js';
import { planLiveOpen } from '../../src/core/sandbox-live-plan.js';
import { skipSandboxSuite } from '../helpers/bwrap.js';
import { waitFor } from '../helpers/parx.js';

/**
 * Changing a running bubblewrap sandbox's mounts (a grant while the agent runs), with the real
 * bwrap, as an unprivileged user: run as root, the test drops to `nobody`, because root's
 * sandbox shares root's user namespace and would hide a failure to enter a user's.
 */

const NOBODY = 65534;
const asUser = process.getuid?.() === 0 ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'] : [];

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
  for (const folder of ['ctl', 'wt/mine/theirs', 'wt/other/deep', 'wt/third', 'wt/far']) mkdirSync(join(dir, folder), { recursive: true });
  for (const file of ['other/f.ts', 'mine/given.ts', 'third/a.ts', 'third/b.ts']) writeFileSync(join(wt, file), 'x\n');
  symlinkSync('/etc', join(wt, 'mine/etc-link'));
  symlinkSync(join(wt, 'other'), join(wt, 'mine/other-link'));
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]);
  return wt;
}

/** Starts a sandbox like a session's: `mine` writable, `mine/theirs` and everything else read-only. Waits for `ctl/go`, then tries each write. */
async function startSandbox(wt: string, tries: readonly string[]): Promise<number> {
  const ctl = join(dir, 'ctl');
  const binds = [
    '--bind',
    ctl,
    ctl,
    '--bind',
    join(wt, 'mine'),
    join(wt, 'mine'),
    '--ro-bind',
    join(wt, 'mine/theirs'),
    join(wt, 'mine/theirs'),
    '--ro-bind',
    join(wt, 'other/deep'),
    join(wt, 'other/deep'),
  ];
  // `save:<path>` saves as Claude Code does: a temporary file beside it, renamed over it.
  const script = [
    'cd "$1"; shift; while [ ! -e ../ctl/go ]; do sleep 0.05; done',
    'for t; do f=${t#save:}; if [ "$f" != "$t" ]; then (echo x > "$f.tmp" && mv "$f.tmp" "$f") 2>/dev/null; else (echo x > "$f") 2>/dev/null; fi && echo "$t ok" || echo "$t ro"; done > ../ctl/out.tmp',
    'mv ../ctl/out.tmp ../ctl/out',
  ].join('\n');
  const argv = [
    ...asUser,
    'bwrap',
    '--ro-bind',
    '/',
    '/',
    '--dev-bind',
    '/dev',
    '/dev',
    '--proc',
    '/proc',
    ...binds,
    '--unshare-pid',
    '--die-with-parent',
    '--cap-drop',
    'ALL',
    '--',
    'sh',
    '-c',
    script,
    'sh',
    wt,
    ...tries,
  ];
  sandbox = execa(argv[0]!, argv.slice(1), { reject: false, stdin: 'ignore' });
  return waitFor('the sandbox to start', async () => (sandbox!.pid ? await findSandboxPid(sandbox!.pid) : undefined), 10_000);
}

const change = (pid: number, wt: string, ops: ReadonlyArray<{ op: string; path: string }>) =>
  execa(
    asUser[0] ?? 'perl',
    [
      ...asUser.slice(1),
      ...(asUser.length > 0 ? ['perl'] : []),
      '-MPOSIX',
      '-e',
      LIVE_MOUNT_SCRIPT,
      '--',
      String(pid),
      wt,
      ...ops.map((o) => `${o.op}:${o.path}`),
    ],
    { reject: false },
  );

describe.skipIf(skipSandboxSuite)('changing a running sandbox', () => {
  it('opens and closes paths as an unprivileged user, keeps deeper closed folders closed, and follows no symlink', async () => {
    const wt = makeWorktree();
    const tries = [
      'other/f.ts',
      'other/deep/x',
      'save:third/a.ts',
      'third/b.ts',
      'third/c.ts',
      'far/new/x.ts',
      'far/y.ts',
      'mine/given.ts',
      'mine/theirs/t',
      'mine/free.ts',
      '/etc/parx-escape',
    ];
    const pid = await startSandbox(wt, tries);
    // Unprivileged, bwrap made a user namespace of its own: the script must enter it to mount.
    if (asUser.length > 0) expect(readlinkSync(`/proc/${pid}/ns/user`)).not.toBe(readlinkSync('/proc/self/ns/user'));

    const F = (exists: boolean, folder: boolean, writable: boolean, mountRoot = false) => ({ exists, folder, writable, mountRoot });
    const cases: Array<[what: string, ops: Array<{ op: string; path: string }>, ok: boolean]> = [
      [
        'a folder, with another session’s folder inside it',
        planLiveOpen('other', { path: F(true, true, false), folder: F(true, true, false), siblings: [], closures: ['other/deep'] }),
        true,
      ],
      [
        'a file, by its folder',
        planLiveOpen('third/a.ts', { path: F(true, false, false), folder: F(true, true, false), siblings: ['a.ts', 'b.ts'], closures: [] }),
        true,
      ],
      [
        'a file whose folder is missing',
        planLiveOpen('far/new/x.ts', { path: F(false, false, false), folder: F(false, false, false), siblings: [], closures: [] }),
        true,
      ],
      ['granted away', [{ op: 'flip-ro', path: 'mine/given.ts' }], true],
      ['a symlink is never followed', [{ op: 'flip-rw', path: 'mine/etc-link' }], false],
      ['nor a symlinked folder on the way', [{ op: 'flip-rw', path: 'mine/other-link/f.ts' }], false],
      ['nor anything outside the worktree', [{ op: 'flip-rw', path: '../outside' }], false],
      ['nor a folder made through a symlink', [{ op: 'mkdir', path: 'mine/etc-link/parx' }], false],
    ];
    for (const [what, ops, ok] of cases) {
      const result = await change(pid, wt, ops);
      expect({ what, ok: result.exitCode === 0 }, result.stderr).toEqual({ what, ok });
    }
    expect(existsSync('/etc/parx')).toBe(false);

    writeFileSync(join(dir, 'ctl/go'), '');
    const out = await waitFor('the writes', () => (existsSync(join(dir, 'ctl/out')) ? readFileSync(join(dir, 'ctl/out'), 'utf8') : undefined), 10_000);
    expect(out.trim().split('\n')).toEqual([
      'other/f.ts ok',
      'other/deep/x ro',
      'save:third/a.ts ok',
      'third/b.ts ro',
      // What opening a file's folder allows beyond the grant: a new name there (the guard flags it).
      'third/c.ts ok',
      'far/new/x.ts ok',
      'far/y.ts ro',
      'mine/given.ts ro',
      'mine/theirs/t ro',
      'mine/free.ts ok',
      '/etc/parx-escape ro',
    ]);
  });
});
