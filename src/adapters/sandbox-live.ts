import { readdir, readFile, readlink } from 'node:fs/promises';
import { execa } from 'execa';
import { findExecutable } from './files.js';
import type { LiveOp, LivePathFacts } from '../core/sandbox-live-plan.js';

/**
 * Changes paths of a running sandbox: writable (a grant to its session) or read-only (a grant
 * away from it), without restarting the agent in it.
 *
 * bubblewrap fixes its mounts when it starts, and the agent inside has no capabilities to change
 * them. Its owner (the same user, outside) may enter the sandbox's user and mount namespaces and
 * mount there. That takes system calls no standard command makes for an unprivileged user
 * (util-linux `mount` refuses anyone but root), and they must come from one process: a program
 * started after entering the namespaces loses the capabilities at exec. Node cannot make them,
 * so a fixed Perl script does (perl-base is part of every Debian and Ubuntu system).
 *
 * A process whose working directory (or an open folder) is already inside a path keeps the
 * mount it found there: a mount stacked on top is seen only by lookups that cross the path.
 * So a change is made in place wherever it can be: a mount of its own is flipped writable or
 * read-only where it stands (mount_setattr on the mount itself), and a pinned file is unpinned
 * (umount), which every process sees at once. Only where a path has no mount of its own is a
 * new one stacked (open_tree a clone, mount_setattr it, move_mount it over the path); the script
 * then names the processes that still hold the old view, for the caller to report.
 *
 * Every path is resolved through openat2 with no symlinks and nothing outside the worktree, and
 * the mount calls follow no symlink either: a session cannot redirect a mount elsewhere by
 * swapping a folder for a link. Needs Linux 5.12 (mount_setattr); where it cannot work the
 * caller says a restart is needed.
 */

/**
 * $ARGV: a pid in the sandbox, the worktree (a real path), then steps `<op>:<path>` (paths
 * worktree-relative; `` is the worktree itself):
 *   probe    print `fact <exists> <dir> <writable> <mountroot> <path>` for it (nothing changes)
 *   mkdir    make the folder (outside the sandbox, missing parts only)
 *   pin      stack a read-only mount on it, unless it is a mount of its own (whose flags stay)
 *   unpin    remove every mount stacked on it (a pinned file becomes what its folder allows)
 *   flip-rw  make it writable: in place when it is a mount of its own and no process holds a
 *            folder inside that mount (which the flip would open to it); else stacked (and
 *            `stacked <path>` printed, with `holder <pid> <dir>` for each process in it)
 *   flip-ro  make it read-only: in place when it is a mount of its own; else stacked, printing
 *            `holder <pid> <path>` for every process whose working directory or open file is
 *            inside it through the old, writable mount
 * Folders are made first, outside the sandbox (inside, where they go is read-only).
 */
export const LIVE_MOUNT_SCRIPT = String.raw`
use strict; use warnings; use Config; use filetest 'access'; use Fcntl ':mode';
my ($pid, $worktree, @ops) = @ARGV;
sub fail { print STDERR "$_[0]\n"; exit 1 }
my %nr = $Config{archname} =~ /^x86_64/ ? (setns => 308, statx => 332, umount2 => 166)
  : $Config{archname} =~ /^aarch64/ ? (setns => 268, statx => 291, umount2 => 39) : fail("no support for $Config{archname}");
my ($OPEN_TREE, $MOVE_MOUNT, $OPENAT2, $MOUNT_SETATTR) = (428, 429, 437, 442);
my ($O_PATH, $O_CLOEXEC, $AT_FDCWD) = (010000000, 02000000, -100);
my ($NO_SYMLINKS, $BENEATH) = (0x04, 0x08);
my ($AT_EMPTY_PATH, $AT_NOFOLLOW, $AT_RECURSIVE) = (0x1000, 0x100, 0x8000);
sub open2 { my ($dir, $path, $resolve) = @_; my $how = pack('QQQ', $O_PATH | $O_CLOEXEC, 0, $resolve); my $p = $path; my $fd = syscall($OPENAT2, $dir, $p, $how, length $how); $fd < 0 ? undef : $fd }
sub cd { open(my $h, '<&', $_[0]) or fail("fd: $!"); chdir($h) or fail("chdir: $!") }
# (mount id, inode, mode) of what a descriptor or a name under one is, through no symlink.
sub statx_of { my ($dir, $name, $flags) = @_; my $buf = "\0" x 256; my $n = $name; syscall($nr{statx}, $dir, $n, $flags, 0x1103, $buf) == 0 or return; my ($mode) = unpack('S', substr($buf, 28, 2)); my ($ino) = unpack('Q', substr($buf, 32, 8)); my ($mnt) = unpack('Q', substr($buf, 144, 8)); ($mnt, $ino, $mode) }
# A path's folder (a descriptor, reached through no symlink) and its last part. The worktree
# itself is reached from / (through no symlink); anything in it stays beneath it.
sub locate {
  my ($rel) = @_;
  if ($rel eq '') { my ($up, $name) = $worktree =~ m{^(.*)/([^/]+)$} or fail("bad worktree"); return (open2($AT_FDCWD, $up eq '' ? '/' : $up, $NO_SYMLINKS) // fail("$up: $!"), $name) }
  my @dirs = split m{/}, $rel; my $name = pop @dirs;
  my $wt = open2($AT_FDCWD, $worktree, $NO_SYMLINKS) // fail("the worktree: $!");
  return (@dirs ? open2($wt, join('/', @dirs), $NO_SYMLINKS | $BENEATH) // fail("$rel: $!") : $wt, $name);
}
sub mountroot { my ($parent, $name) = @_; my ($m) = statx_of($parent, $name, $AT_NOFOLLOW); my ($p) = statx_of($parent, '', $AT_EMPTY_PATH); defined $m && defined $p && $m != $p }
sub path_of { $_[0] eq '' ? $worktree : "$worktree/$_[0]" }
for my $step (grep { /^mkdir:/ } @ops) {
  my $dir = open2($AT_FDCWD, $worktree, $NO_SYMLINKS) // fail("the worktree: $!");
  for my $part (split m{/}, substr($step, 6)) {
    my $next = open2($dir, $part, $NO_SYMLINKS | $BENEATH);
    if (!defined $next) { $!{ENOENT} or fail("$part: $!"); cd($dir); mkdir($part) or $!{EEXIST} or fail("$part: $!"); $next = open2($dir, $part, $NO_SYMLINKS | $BENEATH) // fail("$part: $!") }
    $dir = $next;
  }
}
# Every process of the sandbox (the same mount namespace), with what it holds: its working
# directory and open files, as descriptors taken now (before entering: /proc is the host's).
sub ns { readlink($_[0]) // fail("the sandbox's process is gone: $!") }
sub fds_of { my $d; opendir($d, "/proc/$_[0]/fd") or return (); grep { /^\d+$/ } readdir $d }
my $target_ns = ns("/proc/$pid/ns/mnt");
my @held; my $incomplete = 0;
opendir(my $proc, '/proc') or fail("/proc: $!");
for my $p (grep { /^\d+$/ } readdir $proc) {
  my $n = readlink("/proc/$p/ns/mnt"); next unless defined $n && $n eq $target_ns;
  for my $link ("/proc/$p/cwd", map { "/proc/$p/fd/$_" } fds_of($p)) {
    my $shown = readlink($link) // next; my $fd = open2($AT_FDCWD, $link, 0);
    # Gone meanwhile is fine; anything else (out of descriptors) means the picture is incomplete.
    if (!defined $fd) { $incomplete = 1 unless $!{ENOENT} || $!{ESRCH}; next }
    push @held, [$p, $shown, $fd];
  }
}
my $same_user = ns("/proc/$pid/ns/user") eq ns('/proc/self/ns/user');
open(my $user, '<', "/proc/$pid/ns/user") or fail("$!"); open(my $mnt, '<', "/proc/$pid/ns/mnt") or fail("$!");
$same_user or syscall($nr{setns}, fileno($user), 0x10000000) == 0 or fail("cannot enter the sandbox's user namespace: $!");
syscall($nr{setns}, fileno($mnt), 0x00020000) == 0 or fail("cannot enter the sandbox's mount namespace: $!");
# The processes holding a folder (or, with $files, anything) through mount $m below its root $root_ino;
# with $under, only those whose path as shown is inside that path.
sub holders { my ($m, $root_ino, $files, $under) = @_; my @h;
  for my $entry (@held) { my ($hm, $hino, $hmode) = statx_of($entry->[2], '', $AT_EMPTY_PATH); next unless defined $hm && $hm == $m;
    next if !$files && !S_ISDIR($hmode); next if S_ISDIR($hmode) && $hino == $root_ino && !$under;
    next if defined $under && !($entry->[1] eq $under || index($entry->[1], "$under/") == 0);
    push @h, "holder $entry->[0] $entry->[1]" }
  @h }
sub setattr { my ($fd, $rel, $ro) = @_; my $attr = pack('QQQQ', $ro ? 1 : 0, $ro ? 0 : 1, 0, 0); my $e = ''; syscall($MOUNT_SETATTR, $fd, $e, $AT_EMPTY_PATH, $attr, length $attr) == 0 or fail("mount_setattr $rel: $!") }
sub stack { my ($parent, $name, $rel, $ro) = @_; my $n = $name; my $e = '';
  # OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW: deeper mounts come along as they are.
  my $tree = syscall($OPEN_TREE, $parent, $n, 1 | $O_CLOEXEC | $AT_RECURSIVE | $AT_NOFOLLOW); $tree >= 0 or fail("open_tree $rel: $!");
  # struct mount_attr { attr_set, attr_clr, propagation, userns_fd }; MOUNT_ATTR_RDONLY = 1; the top mount only.
  my $attr = pack('QQQQ', $ro ? 1 : 0, $ro ? 0 : 1, 0, 0);
  syscall($MOUNT_SETATTR, $tree, $e, $AT_EMPTY_PATH, $attr, length $attr) == 0 or fail("mount_setattr $rel: $!");
  # MOVE_MOUNT_F_EMPTY_PATH; the target's last part is not followed if it is a symlink.
  syscall($MOVE_MOUNT, $tree, $e, $parent, $n, 0x04) == 0 or fail("move_mount $rel: $!");
  POSIX::close($tree) }
for my $step (grep { !/^mkdir:/ } @ops) {
  my ($mode, $rel) = $step =~ /^(probe|pin|unpin|flip-rw|flip-ro):(.*)$/s or fail("bad step $step");
  my ($parent, $name) = locate($rel);
  my $here = open2($parent, $name, $NO_SYMLINKS | $BENEATH);
  if ($mode eq 'probe') {
    if (!defined $here) { print "fact 0 0 0 0 $rel\n"; next }
    cd($parent); my (undef, undef, $m) = statx_of($here, '', $AT_EMPTY_PATH);
    printf "fact 1 %d %d %d %s\n", S_ISDIR($m) ? 1 : 0, (-w $name) ? 1 : 0, mountroot($parent, $name) ? 1 : 0, $rel; next;
  }
  defined $here or fail("$rel, in the sandbox: $!");
  if ($mode eq 'unpin') { my $full = path_of($rel); my $i = 0;
    while (mountroot($parent, $name)) { my $f = $full; syscall($nr{umount2}, $f, 2 | 8) == 0 or fail("umount $rel: $!"); ++$i < 64 or fail("umount $rel: too many mounts") } next }
  if ($mode eq 'pin') { next if mountroot($parent, $name); stack($parent, $name, $rel, 1); next }
  my $ro = $mode eq 'flip-ro';
  my ($m, $root_ino) = statx_of($here, '', $AT_EMPTY_PATH);
  if (mountroot($parent, $name)) {
    # Opening a mount in place opens whatever is not a mount of its own below its root, for every
    # process holding a folder there: only when none does.
    my @busy = $ro ? () : holders($m, $root_ino, 0, undef);
    push @busy, 'holder 0 (the sandbox has more open files than could be checked)' if !$ro && $incomplete;
    if (!@busy) { my $n = $name; my $tree = syscall($OPEN_TREE, $parent, $n, $O_CLOEXEC | $AT_NOFOLLOW); $tree >= 0 or fail("open_tree $rel: $!"); setattr($tree, $rel, $ro); POSIX::close($tree); next }
    print "stacked $rel\n"; print "$_\n" for @busy; stack($parent, $name, $rel, $ro); next;
  }
  # No mount of its own: a new one on top. Who still holds the old view is reported.
  my @busy = holders($m, -1, $ro, path_of($rel));
  stack($parent, $name, $rel, $ro); print "stacked $rel\n"; print "$_\n" for @busy;
}
`;

/** The perl that changes running sandboxes. PARX_PERL: one outside PATH (or, in tests, one that is not there). */
export function findPerl(): Promise<string | undefined> {
  return findExecutable(process.env.PARX_PERL || 'perl', '/');
}

export type LiveMountResult =
  { ok: true; facts: Map<string, LivePathFacts>; stacked: string[]; holders: Array<{ pid: number; path: string }> } | { ok: false; reason: string };

/** Runs the steps in the sandbox `pid` is in; `worktree` is a real path. */
export async function changeSandbox(pid: number, worktree: string, ops: readonly LiveOp[]): Promise<LiveMountResult> {
  const perl = await findPerl();
  if (!perl) return { ok: false, reason: "perl is not installed (it changes a running sandbox's mounts)" };
  const args = ['-MPOSIX', '-e', LIVE_MOUNT_SCRIPT, '--', String(pid), worktree, ...ops.map((o) => `${o.op}:${o.path}`)];
  const result = await execa(perl, args, { reject: false, timeout: 10_000, stdin: 'ignore' });
  if (result.exitCode !== 0) return { ok: false, reason: (result.stderr || result.shortMessage || 'failed').trim().split('\n')[0]! };
  const facts = new Map<string, LivePathFacts>();
  const stacked: string[] = [];
  const holders: Array<{ pid: number; path: string }> = [];
  for (const line of result.stdout.split('\n')) {
    const fact = /^fact (\d) (\d) (\d) (\d) (.*)$/s.exec(line);
    if (fact) facts.set(fact[5]!, { exists: fact[1] === '1', folder: fact[2] === '1', writable: fact[3] === '1', mountRoot: fact[4] === '1' });
    else if (line.startsWith('stacked ')) stacked.push(line.slice(8));
    else {
      const holder = /^holder (\d+) (.*)$/s.exec(line);
      if (holder) holders.push({ pid: Number(holder[1]), path: holder[2]! });
    }
  }
  return { ok: true, facts, stacked, holders };
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
