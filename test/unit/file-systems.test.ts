import { describe, expect, it } from 'vitest';
import { describeEventlessFileSystem, findMount, parseMountInfo } from '../../src/core/file-systems.js';

const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard',
  '25 22 0:22 / /dev/shm rw,nosuid,nodev shared:4 - tmpfs tmpfs rw',
  '90 22 0:50 / /mnt/c rw,noatime - 9p drvfs rw,dirsync,aname=drvfs;path=C:\\',
  '91 22 0:51 /export /home/me/net\\040share rw,relatime shared:40 master:3 - nfs4 server:/export rw,vers=4.2',
  '92 91 0:52 / /home/me/net\\040share/local rw - ext4 /dev/vdb rw',
  '93 22 0:53 / /work rw - fuse.sshfs me@host:/work rw',
  'garbage line',
  '',
].join('\n');

describe('the mount table', () => {
  const mounts = parseMountInfo(MOUNTINFO);

  it('reads mount points (unescaped) and types, skipping what is not a mount line', () => {
    expect(mounts.map((m) => `${m.mountPoint} ${m.fsType}`)).toEqual([
      '/ ext4',
      '/dev/shm tmpfs',
      '/mnt/c 9p',
      '/home/me/net share nfs4',
      '/home/me/net share/local ext4',
      '/work fuse.sshfs',
    ]);
  });

  it.each([
    ['/home/me/repo', 'ext4'],
    ['/', 'ext4'],
    ['/dev/shm/x', 'tmpfs'],
    ['/mnt/c/Users/me/repo', '9p'],
    ['/mnt/cd/repo', 'ext4'],
    ['/home/me/net share', 'nfs4'],
    ['/home/me/net share/repo', 'nfs4'],
    ['/home/me/net share/local/repo', 'ext4'],
    ['/home/me/net sharex', 'ext4'],
    ['/work/main', 'fuse.sshfs'],
  ])('%s is on %s', (path, fsType) => {
    expect(findMount(mounts, path)?.fsType).toBe(fsType);
  });

  it('takes the later of two mounts on one point (the one on top)', () => {
    const stacked = parseMountInfo(['1 0 0:1 / / rw - ext4 a rw', '2 1 0:2 / /repo rw - ext4 b rw', '3 1 0:3 / /repo rw - nfs c rw'].join('\n'));
    expect(findMount(stacked, '/repo/x')?.fsType).toBe('nfs');
  });
});

describe('file systems where kernel events miss changes', () => {
  it.each([
    ['ext4', false],
    ['xfs', false],
    ['btrfs', false],
    ['tmpfs', false],
    ['overlay', false],
    ['nfs', true],
    ['nfs4', true],
    ['cifs', true],
    ['smb3', true],
    ['9p', true],
    ['drvfs', true],
    ['fuse.sshfs', true],
    ['fuse.grpcfuse', true],
    ['vboxsf', true],
    ['fuse.portal', false],
  ])('%s: poll = %s', (fsType, eventless) => {
    expect(describeEventlessFileSystem(fsType) !== undefined).toBe(eventless);
  });
});
