import { runListRequests } from '../../ops/requests.js';
import type { GlobalOptions } from '../options.js';
import { print, printJson, safe, style } from '../output.js';

/** `parx requests [--json]`: the open ownership requests. */
export async function requestsCommand(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const requests = await runListRequests({ configPath: options.config });
  if (options.json) {
    printJson({ requests: requests.map(({ id, from, owner, path, reason, time }) => ({ id, from, owner: owner ?? null, path, reason, time })) });
    return 0;
  }
  if (requests.length === 0) {
    print('No open requests.');
    return 0;
  }
  for (const r of requests) {
    print(`${style.bold(r.id)}  ${r.from} asks ${r.owner ?? 'nobody (unowned now)'} for ${safe(r.path)}  ${style.dim(r.time.slice(11, 16))}`);
    print(`    ${r.reason ? safe(r.reason) : style.dim('(no reason given yet)')}`);
  }
  print(style.dim(`\nparx grant <id> moves the path to the requester for the rest of the run; parx refuse <id> [--why TEXT] says no.`));
  return 0;
}
