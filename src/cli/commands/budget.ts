import { raiseBudget } from '../../ops/budget.js';
import type { GlobalOptions } from '../options.js';
import { print, printJson, safe, style } from '../output.js';

/** `parx budget <session> [--usd N] [--tokens N]`: exit 0 once the limit is raised (the session may still be over it: said). */
export async function budgetCommand(session: string, options: GlobalOptions & { usd?: string; tokens?: string; json?: boolean }): Promise<number> {
  const result = await raiseBudget({ configPath: options.config, session, usd: options.usd, tokens: options.tokens });
  if (options.json) {
    printJson({ session: result.session, budget: result.budget ?? null, paused: result.pause.reached !== null, usage: result.pause.usage });
    return 0;
  }
  const limit = [result.budget?.tokens !== undefined && `${result.budget.tokens} tokens`, result.budget?.usd !== undefined && `$${result.budget.usd}`]
    .filter(Boolean)
    .join(', ');
  if (result.pause.reached)
    print(style.yellow(`${session}'s budget is now ${limit}, and it is still over it (${safe(result.pause.reached)}): it stays paused`));
  else print(`${style.green('✓')} ${session}'s budget is now ${limit}: it goes on at its next tool call`);
  return 0;
}
