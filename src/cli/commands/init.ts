import { runInit } from '../../ops/init.js';
import { print, safe } from '../output.js';

export async function initCommand(): Promise<number> {
  const { file, choices } = await runInit();
  print(`Wrote ${safe(file)}, fitted to this repository:`);
  print(`  agent    ${choices.agent.preset} (${choices.agent.why})`);
  print(`  setup    ${choices.install ? `${safe(choices.install.setup)} (${safe(choices.install.why)})` : 'none'}`);
  print(
    `  verify   ${choices.verify ? `${safe(choices.verify.command)} (from ${safe(choices.verify.why)})` : 'none: set one, so integrate and down can test merged work'}`,
  );
  print(`  sessions ${choices.sessions.map((s) => s.name).join(', ')}: ${safe(choices.sessionsWhy)}`);
  print('Give each session a task and check its owns globs with `parx plan`, then start with `parx up`.');
  return 0;
}
