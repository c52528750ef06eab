import { runSync, type SyncResult } from '../../ops/sync.js';
import type { GlobalOptions } from '../options.js';
import { print, printConfigNotice, printJson, safe, style } from '../output.js';

/** `parx sync [SESSION...]`: exit 0 when every session asked for is up to date with base, 1 when one was skipped. */
export async function syncCommand(sessions: string[], options: GlobalOptions & { json?: boolean }): Promise<number> {
  const { configNotice, ...result } = await runSync({ configPath: options.config, sessions });
  printConfigNotice(configNotice);
  if (options.json) printJson(result);
  else {
    if (result.sessions.length === 0) print('Nothing to sync: no running session merges after one that has landed and is behind base.');
    printSyncOutcomes(result);
  }
  return result.sessions.every((s) => s.outcome.kind !== 'skipped') ? 0 : 1;
}

/** One line per session (shared with `down`, which syncs after a landing under `sync: auto`). */
export function printSyncOutcomes(result: SyncResult, indent = ''): void {
  for (const { name, outcome } of result.sessions) {
    const label = style.bold(name.padEnd(12));
    if (outcome.kind === 'synced')
      print(
        `${indent}${style.green('✓')} ${label} ${result.base}${outcome.landed.length > 0 ? ` (now with ${outcome.landed.join(', ')})` : ''} merged into its branch as ${outcome.commit.slice(0, 9)}; ${outcome.told ? 'its agent is told at its next turn' : 'its agent has no hooks: tell it in its pane (parx status shows the message)'}`,
      );
    else if (outcome.kind === 'current') print(`${indent}${style.green('✓')} ${label} already up to date with ${result.base}`);
    else if (outcome.kind === 'ready') print(`${indent}${label} can be synced now`);
    else print(`${indent}${style.yellow('!')} ${label} not synced: ${safe(outcome.detail)}`);
  }
}
