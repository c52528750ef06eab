import { readdir, readFile, readlink } from 'node:fs/promises';
import { execa } from 'execa';
import { findExecutable } from './files.js';

/**
 * Changes paths of a running sandbox: writable (a grant to its session) or read-only (a grant
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

/**
 * One step: make a folder (outside the sandbox, missing parts only); mount a path read-only or
 * writable in it; `pin` a path read-only unless it is writable now (before its folder opens);
 * `lift` it to writable unless it is writable now (after its folder opened).
 */
export type LiveMountOp = { op: 'mkdir' | 'ro' | 'rw' | 'pin' | 'lift'; path: string };

export type LiveMountResult = { ok: true } | { ok: false; reason: string };

/**
 * $ARGV: a pid in the sandbox, the worktree (a real path), then steps `mkdir:<path>`, `ro:<path>`,
 * `rw:<path>` (worktree-relative; `` is the worktree itself). Folders are made first, outside the
 * sandbox (inside, where they go is read-only); the mounts follow in the order given.
 */
export const LIVE_MOUNT_SCRIPT = String.raw`
use strict; use warnings; use Config; use filetest 'access';
my ($pid, $worktree, @ops) = @ARGV;
sub fail { print STDERR "$_[0]
"; exit 1 }
my $SETNS = $Config{archname} =~ /^x86_64/ ? 308 : $Config{archname} =~ /^aarch64/ ? 268 : fail("no support for $Config{archname}");
my ($OPEN_TREE, $MOVE_MOUNT, $OPENAT2, $MOUNT_SETATTR) = (428, 429, 437, 442);
my ($O_PATH, $O_CLOEXEC, $AT_FDCWD) = (010000000, 02000000, -100);
my ($NO_SYMLINKS, $BENEATH) = (0x04, 0x08);
sub open2 { my ($dir, $path, $resolve) = @_; my $how = pack('QQQ', $O_PATH | $O_CLOEXEC, 0, $resolve); my $p = $path; my $fd = syscall($OPENAT2, $dir, $p, $how, length $how); $fd < 0 ? undef : $fd }
sub cd { open(my $h, '<&', $_[0]) or fail("fd: $!"); chdir($h) or fail("chdir: $!") }
# A path's folder (a descriptor, reached through no symlink) and its last part. The worktree
# itself is reached from / (through no symlink); anything in it stays beneath it.
sub locate {
  my ($rel) = @_;
  if ($rel eq '') { my ($up, $name) = $worktree =~ m{^(.*)/([^/]+)$} or fail("bad worktree"); return (open2($AT_FDCWD, $up eq '' ? '/' : $up, $NO_SYMLINKS) // fail("$up: $!"), $name) }
  my @dirs = split m{/}, $rel; my $name = pop @dirs;
  my $wt = open2($AT_FDCWD, $worktree, $NO_SYMLINKS) // fail("the worktree: $!");
  return (@dirs ? open2($wt, join('/', @dirs), $NO_SYMLINKS | $BENEATH) // fail("$rel: $!") : $wt, $name);
}
for my $step (grep { /^mkdir:/ } @ops) {
  my $dir = open2($AT_FDCWD, $worktree, $NO_SYMLINKS) // fail("the worktree: $!");
  for my $part (split m{/}, substr($step, 6)) {
    my $next = open2($dir, $part, $NO_SYMLINKS | $BENEATH);
    if (!defined $next) { $!{ENOENT} or fail("$part: $!"); cd($dir); mkdir($part) or $!{EEXIST} or fail("$part: $!"); $next = open2($dir, $part, $NO_SYMLINKS | $BENEATH) // fail("$part: $!") }
    $dir = $next;
  }
}
sub ns { readlink($_[0]) // fail("the sandbox's process is gone: $!") }
my $same_user = ns("/proc/$pid/ns/user") eq ns('/proc/self/ns/user');
open(my $user, '<', "/proc/$pid/ns/user") or fail("$!"); open(my $mnt, '<', "/proc/$pid/ns/mnt") or fail("$!");
$same_user or syscall($SETNS, fileno($user), 0x10000000) == 0 or fail("cannot enter the sandbox's user namespace: $!");
syscall($SETNS, fileno($mnt), 0x00020000) == 0 or fail("cannot enter the sandbox's mount namespace: $!");
for my $step (grep { !/^mkdir:/ } @ops) {
  my ($mode, $rel) = $step =~ /^(ro|rw|pin|lift):(.*)$/s or fail("bad step $step");
  my ($parent, $name) = locate($rel);
  defined open2($parent, $name, $NO_SYMLINKS | $BENEATH) or fail("$rel, in the sandbox: $!");
  if ($mode eq 'pin' || $mode eq 'lift') { cd($parent); next if -w $name; $mode = $mode eq 'pin' ? 'ro' : 'rw' }
  my ($n, $empty) = ($name, '');
  # OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW
  my $tree = syscall($OPEN_TREE, $parent, $n, 1 | $O_CLOEXEC | 0x8000 | 0x100);
  $tree >= 0 or fail("open_tree $rel: $!");
  # struct mount_attr { attr_set, attr_clr, propagation, userns_fd }; MOUNT_ATTR_RDONLY = 1; the top mount only.
  my $attr = pack('QQQQ', $mode eq 'ro' ? 1 : 0, $mode eq 'ro' ? 0 : 1, 0, 0);
  syscall($MOUNT_SETATTR, $tree, $empty, 0x1000, $attr, length $attr) == 0 or fail("mount_setattr $rel: $!");
  # MOVE_MOUNT_F_EMPTY_PATH; the target's last part is not followed if it is a symlink.
  syscall($MOVE_MOUNT, $tree, $empty, $parent, $n, 0x04) == 0 or fail("move_mount $rel: $!");
  POSIX::close($tree);
}
`;

/** The perl that changes running sandboxes. PARX_PERL: one outside PATH (or, in tests, one that is not there). */
export function findPerl(): Promise<string | undefined> {
  return findExecutable(process.env.PARX_PERL || 'perl', '/');
}

/** Runs the steps in the sandbox `pid` is in; `worktree` is a real path. */
export async function changeSandbox(pid: number, worktree: string, ops: readonly LiveMountOp[]): Promise<LiveMountResult> {
  const perl = await findPerl();
  if (!perl) return { ok: false, reason: "perl is not installed (it changes a running sandbox's mounts)" };
  const args = ['-MPOSIX', '-e', LIVE_MOUNT_SCRIPT, '--', String(pid), worktree, ...ops.map((o) => `${o.op}:${o.path}`)];
  const result = await execa(perl, args, { reject: false, timeout: 10_000, stdin: 'ignore' });
  if (result.exitCode !== 0) return { ok: false, reason: (result.stderr || result.shortMessage || 'failed').trim().split('\n')[0]! };
  return { ok: true };
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
