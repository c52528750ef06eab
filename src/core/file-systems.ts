/**
 * Which file system a path lives on, from the kernel's mount table, and whether kernel file
 * events can be trusted there. inotify reports changes made through this kernel; on a network
 * or host-shared file system, changes made on the other side (another machine, Windows
 * programs on WSL's /mnt/c, the host of a container) never arrive. The guard's `poll` watcher
 * stats every file instead.
 */

export interface Mount {
  /** Where it is mounted, unescaped. */
  mountPoint: string;
  fsType: string;
}

/**
 * /proc/self/mountinfo: `id parent major:minor root mountPoint options [optional…] - fsType
 * source superOptions`, with spaces and backslashes in paths written as octal escapes.
 */
export function parseMountInfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-', 6);
    const mountPoint = fields[4];
    const fsType = fields[separator + 1];
    if (separator < 0 || !mountPoint || !fsType) continue;
    mounts.push({ mountPoint: mountPoint.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))), fsType });
  }
  return mounts;
}

/** The mount that holds `path` (absolute, symlinks resolved): the last one mounted over it. */
export function findMount(mounts: readonly Mount[], path: string): Mount | undefined {
  let found: Mount | undefined;
  for (const mount of mounts) {
    const prefix = mount.mountPoint.endsWith('/') ? mount.mountPoint : `${mount.mountPoint}/`;
    const holds = path === mount.mountPoint || path.startsWith(prefix);
    // Later lines are mounted later: the same or a deeper mount point hides the earlier one.
    if (holds && (!found || mount.mountPoint.length >= found.mountPoint.length)) found = mount;
  }
  return found;
}

const EVENTLESS: Array<[RegExp, string]> = [
  [/^(nfs|nfs4|cifs|smb3|smbfs|ncpfs|afs|ceph|glusterfs|lustre|gpfs|beegfs)$/, 'a network file system'],
  [/^(9p|drvfs)$/, 'a host-shared file system (WSL’s /mnt/c is one)'],
  [
    /^(fuse\.(sshfs|rclone|s3fs|gcsfuse|grpcfuse|osxfs)|osxfs|fakeowner|vboxsf|prl_fs|vmhgfs|fuse\.vmhgfs-fuse)$/,
    'a file system shared from another machine or the container’s host',
  ],
];

/**
 * Why kernel events may miss changes on a file system of this type, or undefined when they
 * arrive (local disks, tmpfs, overlay).
 */
export function describeEventlessFileSystem(fsType: string): string | undefined {
  return EVENTLESS.find(([pattern]) => pattern.test(fsType))?.[1];
}
