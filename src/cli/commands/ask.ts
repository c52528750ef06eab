import { runAsk } from '../../ops/requests.js';
import { print } from '../output.js';

/** `parx ask <id> <reason...>`: an agent says why it needs the path of its request. */
export async function askCommand(id: string, words: string[], options: { commonDir?: string }): Promise<number> {
  await runAsk(id, words.join(' '), options.commonDir);
  print(`Request ${id}: your reason is with the human. Go on with the rest of your task; you will be told the answer.`);
  return 0;
}
