import { runRefuse } from '../../ops/requests.js';
import type { GlobalOptions } from '../options.js';
import { print, printJson, safe } from '../output.js';

/** `parx refuse <id> [--why TEXT]`. */
export async function refuseCommand(id: string, options: GlobalOptions & { why?: string; json?: boolean }): Promise<number> {
  const { request, told } = await runRefuse({ configPath: options.config }, id, options.why);
  if (options.json) {
    printJson({ request, told });
    return 0;
  }
  print(
    `Refused ${request.id}: ${request.from} may not change ${safe(request.path)}.${told.length > 0 ? ` Told ${request.from} at its next turn boundary.` : ` ${request.from} has no hooks to be told through: tell it yourself.`}`,
  );
  return 0;
}
