import { waitFor } from '../helpers/parx.js';
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
