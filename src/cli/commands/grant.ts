import { UsageError } from '../../core/errors.js';
import { getRequestSession } from '../../core/requests.js';
import { runGrant } from '../../ops/requests.js';
import type { GlobalOptions } from '../options.js';
import { print, printJson, safe } from '../output.js';

/** `parx grant <id>` or `parx grant <path> --to <session>`. */
export async function grantCommand(target: string, options: GlobalOptions & { to?: string; json?: boolean }): Promise<number> {
  const byId = getRequestSession(target) !== undefined && options.to === undefined;
  if (!byId && options.to === undefined)
    throw new UsageError(`"${target}" is not a request id; to grant a path, name the session: parx grant <path> --to <session>`);
  const { grant, told, restartNeeded, notes } = await runGrant({ configPath: options.config }, byId ? { id: target } : { path: target, to: options.to! });
  if (options.json) {
    printJson({ grant, told, restartNeeded, notes });
    return 0;
  }
  print(`${safe(grant.path)} now belongs to ${grant.to}${grant.from ? ` (was ${grant.from}'s)` : ''} for the rest of this run.`);
  const untold = [grant.to, ...(grant.from ? [grant.from] : [])].filter((s) => !told.includes(s));
  if (told.length > 0) print(`Told ${told.join(' and ')} at their next turn boundary.`);
  for (const note of notes) print(safe(note));
  if (restartNeeded)
    print(
      `${grant.to} runs in the OS sandbox, which could not be changed while it runs: ${safe(grant.path)} becomes writable there when it restarts (once its agent has exited: parx up --respawn ${grant.to}). Hooks, guard, check and down follow the grant now.`,
    );
  if (untold.length > 0)
    print(`${untold.join(' and ')} ha${untold.length === 1 ? 's' : 've'} no hooks to be told through: tell ${untold.length === 1 ? 'it' : 'them'} yourself.`);
  return 0;
}
