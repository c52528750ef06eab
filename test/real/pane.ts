import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
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
  /**
   * Waits for `text` on the pane; on a timeout the error carries what the pane shows, and what
   * `explain` says (what else the test knows then: a command's output, the run's events).
   */
  const waitForScreen = async (pane: string, what: string, text: string, explain?: () => string): Promise<void> => {
    try {
      await waitFor(what, () => (screenOf(pane).includes(text) ? true : undefined), 60_000);
    } catch (error) {
      const screen = tmuxOut('capture-pane', '-p', '-J', '-t', pane);
      throw new Error(`${(error as Error).message}; the pane shows:\n${screen}${explain ? `\n${explain()}` : ''}`, { cause: error });
    }
  };
  return { screenOf, waitForScreen };
}

/** `parx status --json`'s first session (the real agent's, in these tests). */
export async function firstSessionStatus(run: RunFixture): Promise<{ state: string; hooks: string }> {
  return (JSON.parse((await runParx(['status', '--json'], run.root)).stdout) as { sessions: Array<{ state: string; hooks: string }> }).sessions[0]!;
}

/** Waits (15 s at most) until `parx status` shows the real agent's session waiting for the human. */
export async function waitUntilWaiting(run: RunFixture, what: string): Promise<void> {
  await waitFor(what, async () => ((await firstSessionStatus(run)).state === 'waiting' ? true : undefined), 15_000);
}

/** The `state` events of one session, in order (`working`, `waiting`…). */
export function stateHistory(run: RunFixture, session: string): string[] {
  return run
    .events()
    .filter((e) => e.type === 'state' && e.session === session)
    .map((e) => String(e.state));
}

/** The `approve: owned` run every real agent is measured on: 20 owned files, 2 foreign ones. */
export const OWNED_RUN = {
  owned: Array.from({ length: 20 }, (_, i) => `src/auth/m${i}.ts`),
  /** Each owned file is written with this content. */
  content: (path: string) => `// ${path}\n`,
  sessions: (agent: string) => ({
    auth: { owns: ['src/auth/**'], task: 'Write twenty modules.', agent },
    payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
  }),
  done: 'Done: twenty modules.',
};

/**
 * The model's script in the agent's own tool calls: ten owned writes, payments' charge.ts, ten
 * more, a new payments/refund.ts, then `end`. `write(path)` is one write of OWNED_RUN.content;
 * `changeCharge` overrides the first foreign call (an edit of the existing file).
 */
export function getOwnedRunScript<W, E>(write: (path: string) => W, end: E, changeCharge: W = write('src/payments/charge.ts')): Array<W | E> {
  const { owned } = OWNED_RUN;
  return [...owned.slice(0, 10).map(write), changeCharge, ...owned.slice(10).map(write), write('src/payments/refund.ts'), end];
}

/** Every owned file written, neither foreign one, and exactly those two denied. */
export async function expectOwnedRun(run: RunFixture, worktree: string): Promise<void> {
  for (const path of OWNED_RUN.owned) expect(readFileSync(join(worktree, path), 'utf8')).toBe(OWNED_RUN.content(path));
  expect(readFileSync(join(worktree, 'src/payments/charge.ts'), 'utf8')).toBe('export const charge = 1;\n');
  expect(existsSync(join(worktree, 'src/payments/refund.ts'))).toBe(false);
  const denials = await waitFor('both denials in events.jsonl', () => {
    const found = run.events().filter((e) => e.type === 'denied' && e.session === 'auth');
    return found.length >= 2 ? found : undefined;
  });
  expect(denials.map((e) => e.path)).toEqual(['src/payments/charge.ts', 'src/payments/refund.ts']);
}

/**
 * The message run every real agent is checked on: the human tells auth something while its agent
 * is in its turn (`tell`, as the first reply's `before`); the agent must go on with it once the
 * turn ends, and say `continued`.
 */
export const MESSAGE_RUN = {
  sessions: (agent: string) => ({
    auth: { owns: ['src/auth/**'], task: 'Look around.', agent },
    payments: { owns: ['src/payments/**'], task: 'Wait.', agent: 'shell' },
  }),
  message: 'payments renamed charge to createCharge',
  continued: 'Continued: I will call createCharge.',
  tell: (run: RunFixture) => async () => expect((await runParx(['tell', 'auth', MESSAGE_RUN.message], run.root)).exitCode).toBe(0),
};
