import { runTell } from '../../ops/requests.js';
import type { GlobalOptions } from '../options.js';
import { print } from '../output.js';

/** `parx tell <session> <text...>`: a message for a session's agent at its next turn boundary. */
export async function tellCommand(session: string, words: string[], options: GlobalOptions): Promise<number> {
  const { delivered } = await runTell({ configPath: options.config }, session, words.join(' '));
  print(
    delivered
      ? `Queued for ${session}: its agent gets it when its turn ends (or with the next prompt you type there).`
      : `${session}'s agent has no hooks to take a message: tell it in its pane yourself (parx status and the guard pane show it until the session ends).`,
  );
  return delivered ? 0 : 1;
}
