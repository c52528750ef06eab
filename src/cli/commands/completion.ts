import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { loadProject } from '../../ops/common/project.js';
import { complete, formatCompletion, getCompletionScript, getCompletionSpec, SHELLS, type Shell } from '../completion.js';

/** `parx completion bash|zsh|fish`: the script to source. */
export function completionCommand(shell: string): number {
  if (!SHELLS.includes(shell as Shell)) throw new UsageError(`unknown shell "${shell}": expected ${SHELLS.join(', ')}`);
  process.stdout.write(getCompletionScript(shell as Shell));
  return 0;
}

/**
 * `parx __complete -- <words>`: what the scripts run on each TAB. Session names come from the
 * run's configuration (or the config file before a run); anywhere else, there are none, and
 * nothing is printed on stderr: a completion must never disturb the prompt.
 */
export async function completeCommand(program: Command, words: string[]): Promise<number> {
  const sessions = () =>
    loadProject().then(
      (p) => p.config.sessions.map((s) => s.name),
      () => [],
    );
  process.stdout.write(formatCompletion(await complete(getCompletionSpec(program), words, sessions)));
  return 0;
}
