import { readFile, realpath } from 'node:fs/promises';
import { findMount, parseMountInfo } from '../core/file-systems.js';

/** The type of the file system `path` lives on (`ext4`, `nfs4`, `9p`…), or undefined off Linux. */
export async function getFileSystemType(path: string): Promise<string | undefined> {
  const table = await readFile('/proc/self/mountinfo', 'utf8').catch(() => undefined);
  if (table === undefined) return undefined;
  const resolved = await realpath(path).catch(() => path);
  return findMount(parseMountInfo(table), resolved)?.fsType;
}
