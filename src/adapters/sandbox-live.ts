import { readdir, readFile, readlink } from 'node:fs/promises';
import { execa } from 'execa';
import { findExecutable } from './files.js';

/**
 * Changes one path of a running sandbox: writable (a grant to its session) or read-only (a grant
 * away from it), without restarting the agent in it.
 *
 * bubblewrap fixes its mounts when it starts, and the agent inside has no capabilities to change
 * them. Its owner (the same user, outside) may enter the sandbox's user and mount namespaces and
 * mount there. That takes system calls no standard command makes for an unprivileged user
 * (util-linux `mount` refuses anyone but root), and they must come from one process: a program
 * started after entering the namespaces loses the capabilities at exec. Node cannot make them,
 * so a fixed Perl script does (perl-base is part of every Debian and Ubuntu system): it
 * enters the namespaces, clones the path's mount tree (open_tree), flips only its read-only
 * attribute (mount_setattr: nosuid and the like stay as they are) and puts it over the path
 * (move_mount). Every path is resolved through openat2 with no symlinks and nothing outside the
 * worktree, and the new mount API follows no symlink either: a session cannot redirect the
 * mount elsewhere by swapping a folder for a link. Deeper mounts inside the path (another
 * session's folder within it) come along as they were, so they stay closed.
 * Needs Linux 5.12 (mount_setattr); where it cannot work the caller says a restart is needed.
 */

export type LiveMountResult = { ok: true; created: boolean } | { ok: false; reason: string };

/** $ARGV: mode (rw|ro), a pid in the sandbox, the worktree (real path), the path in it, 1 to create it when missing. */
export const LIVE_MOUNT_SCRIPT = String.raw`
use strict; use warnings; use Config; use Fcntl qw(O_WRONLY O_CREAT O_EXCL O_NOFOLLOW);
my ($mode, $pid, $worktree, $rel, $create) = @ARGV;
sub fail { print STDERR "$_[0]\n"; exit 1 }
my $SETNS = $Config{archname} =~ /^x86_64/ ? 308 : $Config{archname} =~ /^aarch64/ ? 268 : fail("no support for $Config{archname}");
my ($OPEN_TREE, $MOVE_MOUNT, $OPENAT2, $MOUNT_SETATTR) = (428, 429, 437, 442);
my ($O_PATH, $O_CLOEXEC, $AT_FDCWD) = (010000000, 02000000, -100);
my ($NO_SYMLINKS, $BENEATH) = (0x04, 0x08);
sub open2 { my ($dir, $path, $resolve) = @_; my $how = pack('QQQ', $O_PATH | $O_CLOEXEC, 0, $resolve); my $p = $path; my $fd = syscall($OPENAT2, $dir, $p, $how, length $how); $fd < 0 ? undef : $fd }
sub cd { open(my $h, '<&', $_[0]) or fail("fd: $!"); chdir($h) or fail("chdir: $!") }
my @dirs = split m{/}, $rel; my $name = pop @dirs;
# A missing path is made outside the sandbox (inside, its folder is read-only), one part at a time.
if ($create eq '1') {
  my $dir = open2($AT_FDCWD, $worktree, $NO_SYMLINKS) // fail("the worktree: $!");
  for my $part (@dirs) {
    my $next = open2($dir, $part, $NO_SYMLINKS | $BENEATH);
    if (!defined $next) { $!{ENOENT} or fail("$part: $!"); cd($dir); mkdir($part) or $!{EEXIST} or fail("$part: $!"); $next = open2($dir, $part, $NO_SYMLINKS | $BENEATH) // fail("$part: $!") }
    $dir = $next;
  }
  if (!defined open2($dir, $name, $NO_SYMLINKS | $BENEATH)) { cd($dir); sysopen(my $f, $name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0666) or fail("$rel: $!"); print "created\n" }
}
sub ns { readlink($_[0]) // fail("the sandbox's process is gone: $!") }
my $same_user = ns("/proc/$pid/ns/user") eq ns('/proc/self/ns/user');
open(my $user, '<', "/proc/$pid/ns/user") or fail("$!"); open(my $mnt, '<', "/proc/$pid/ns/mnt") or fail("$!");
$same_user or syscall($SETNS, fileno($user), 0x10000000) == 0 or fail("cannot enter the sandbox's user namespace: $!");
syscall($SETNS, fileno($mnt), 0x00020000) == 0 or fail("cannot enter the sandbox's mount namespace: $!");
my $wt = open2($AT_FDCWD, $worktree, $NO_SYMLINKS) // fail("the worktree, in the sandbox: $!");
my $parent = @dirs ? open2($wt, join('/', @dirs), $NO_SYMLINKS | $BENEATH) // fail("$rel, in the sandbox: $!") : $wt;
defined open2($parent, $name, $NO_SYMLINKS | $BENEATH) or fail("$rel, in the sandbox: $!");
my ($n, $empty) = ($name, '');
# OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW
my $tree = syscall($OPEN_TREE, $parent, $n, 1 | $O_CLOEXEC | 0x8000 | 0x100);
$tree >= 0 or fail("open_tree: $!");
# struct mount_attr { attr_set, attr_clr, propagation, userns_fd }; MOUNT_ATTR_RDONLY = 1; the top mount only.
my $attr = pack('QQQQ', $mode eq 'ro' ? 1 : 0, $mode eq 'ro' ? 0 : 1, 0, 0);
syscall($MOUNT_SETATTR, $tree, $empty, 0x1000, $attr, length $attr) == 0 or fail("mount_setattr: $!");
# MOVE_MOUNT_F_EMPTY_PATH; the target's last part is not followed if it is a symlink.
syscall($MOVE_MOUNT, $tree, $empty, $parent, $n, 0x04) == 0 or fail("move_mount: $!");
`;

/** Makes `rel` (inside `worktree`, a real path) writable or read-only in the sandbox `pid` is in. */
export async function setPathInSandbox(pid: number, worktree: string, rel: string, mode: 'rw' | 'ro', createMissing: boolean): Promise<LiveMountResult> {
  // PARX_PERL: a perl outside PATH (or, in tests, one that is not there).
  const perl = await findExecutable(process.env.PARX_PERL || 'perl', '/');
  if (!perl) return { ok: false, reason: 'perl is not installed (it changes a running sandbox\'s mounts)' };
  const result = await execa(perl, ['-e', LIVE_MOUNT_SCRIPT, '--', mode, String(pid), worktree, rel, createMissing ? '1' : '0'], { reject: false, timeout: 10_000, stdin: 'ignore' });
  if (result.exitCode !== 0) return { ok: false, reason: (result.stderr || result.shortMessage || 'failed').trim().split('\n')[0]! };
  return { ok: true, created: result.stdout.includes('created') };
}

/**
 * A process inside the sandbox a pane runs: the shallowest descendant of the pane's process in
 * another mount namespace (bubblewrap's own child). Anything deeper the agent started itself.
 */
export async function findSandboxPid(panePid: number): Promise<number | undefined> {
  const own = await readlink('/proc/self/ns/mnt').catch(() => undefined);
  if (!own) return undefined;
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  let level = [panePid];
  while (level.length > 0) {
    for (const pid of level) {
      const ns: string = await readlink(`/proc/${pid}/ns/mnt`).catch(() => own);
      if (ns !== own) return pid;
    }
    level = level.flatMap((pid) => children.get(pid) ?? []);
  }
  return undefined;
}
