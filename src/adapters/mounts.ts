import { readFile, realpath } from 'node:fs/promises';
import { findMount, parseMountInfo } from '../core/file-systems.js';

/**
 * The type of the file system each of `paths` lives on (`ext4`, `nfs4`, `9p`…), from one read
 * of the mount table; undefined off Linux.
 */
export async function getFileSystemTypes(paths: readonly string[]): Promise<Array<string | undefined>> {
  const table = await readFile('/proc/self/mountinfo', 'utf8').catch(() => undefined);
  if (table === undefined) return paths.map(() => undefined);
  const mounts = parseMountInfo(table);
  return Promise.all(paths.map(async (path) => findMount(mounts, await realpath(path).catch(() => path))?.fsType));
}
