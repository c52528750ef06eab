import { runInit } from '../../ops/init.js';
import { print } from '../output.js';

export async function initCommand(): Promise<number> {
  const { file } = await runInit();
  print(`Wrote ${file}`);
  print('Edit its sessions (owns globs and tasks), check them with `parx plan`, then start with `parx up`.');
  return 0;
}
