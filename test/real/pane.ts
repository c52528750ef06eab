import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunFixture } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { tmuxOut } from '../helpers/tmux.js';

/**
 * Reading a real agent's pane: its screen, failing at once with the screen's name when the pane
 * has stopped at one of `screens` (trust, login, review… screens parx must never cause).
 */
export function makeScreenReader(agent: string, screens: Record<string, RegExp>) {
  const screenOf = (pane: string): string => {
    const text = tmuxOut('capture-pane', '-p', '-J', '-t', pane);
    for (const [name, pattern] of Object.entries(screens)) if (pattern.test(text)) throw new Error(`the pane stopped at ${agent}'s ${name} screen:\n${text}`);
    return text;
  };
  /** Waits for `text` on the pane; on a timeout the error carries what the pane shows. */
  const waitForScreen = async (pane: string, what: string, text: string): Promise<void> => {
    try {
      await waitFor(what, () => (screenOf(pane).includes(text) ? true : undefined), 60_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the pane shows:\n${tmuxOut('capture-pane', '-p', '-J', '-t', pane)}`);
    }
  };
  return { screenOf, waitForScreen };
}

/** The run's events.jsonl, parsed. */
export function readEvents(run: RunFixture): Array<Record<string, unknown>> {
  return readFileSync(join(run.root, '.git/parx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `parx status --json`'s first session (the real agent's, in these tests). */
export async function firstSessionStatus(run: RunFixture): Promise<{ state: string; hooks: string }> {
  return (JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { sessions: Array<{ state: string; hooks: string }> }).sessions[0]!;
}

/** The `state` events of one session, in order (`working`, `waiting`…). */
export function stateHistory(run: RunFixture, session: string): string[] {
  return readEvents(run).filter((e) => e.type === 'state' && e.session === session).map((e) => String(e.state));
}
