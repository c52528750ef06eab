import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tellHuman } from './common/tell-human.js';
import { writeFileAtomically } from '../adapters/untrusted-files.js';
import { UsageReader } from '../adapters/usage-files.js';
import { getSessionAgentKind } from '../core/agent-hooks.js';
import type { SessionConfig } from '../core/config-validate.js';
import { UsageError } from '../core/errors.js';
import type { RunState } from '../core/run-state.js';
import { getBudgetReached, resolveBudget, type Budget, type Usage } from '../core/usage.js';
import { loadProject, withRunLock, type Project, type ProjectOptions } from './common/project.js';
import { selectSessions } from './common/sessions.js';

/**
 * Budgets: a session whose usage reaches its budget is **paused, not killed**. The pause is a
 * file of parx's own, `<run>/budget/<session>.json`, which the session's hook reads before each
 * write or command it judges: while it says `reached`, the hook refuses with a reason saying the
 * human was asked, and the agent ends its turn. `parx budget` raises the limit (in the run state,
 * not the config file) and lifts the pause at once. The recording guard keeps the figures and
 * the pause current (ops/guard/usage-watch.ts).
 */

export interface BudgetPause {
  /** What was reached (`210000 tokens of its 200000`), or null when not paused. */
  reached: string | null;
  usage: Usage | null;
  limit: Budget | null;
  time: string;
}

export const getBudgetPausePath = (runDir: string, session: string) => join(runDir, 'budget', `${session}.json`);

export async function readBudgetPause(runDir: string, session: string): Promise<BudgetPause | undefined> {
  try {
    return JSON.parse(await readFile(getBudgetPausePath(runDir, session), 'utf8')) as BudgetPause;
  } catch {
    return undefined;
  }
}

/** The session's budget now: its configuration's, raised by `parx budget`. */
export function getSessionBudget(state: RunState | undefined, session: SessionConfig): Budget | undefined {
  return resolveBudget(undefined, session.budget, state?.budgets?.[session.name]);
}

/** The session's usage by its agent's own files (null: its agent records none parx reads). */
export async function readSessionUsage(project: Project, session: SessionConfig, state: RunState | undefined = project.state): Promise<Usage | null> {
  const recorded = state?.sessions[session.name];
  if (!recorded) return null;
  const since = Date.parse(recorded.createdAt) || Date.now();
  return new UsageReader(project.files.dir).read(session.name, recorded.worktree, getSessionAgentKind(session.agent), since);
}

/**
 * Brings a session's pause up to date with its usage: paused when a limit is reached (a
 * `budget` event, the human told once), lifted when it no longer is (the limit was raised).
 * Returns the pause as it is now, and whether this call paused it.
 */
export async function updateBudgetPause(
  project: Project,
  session: SessionConfig,
  usage: Usage | null,
  budget: Budget | undefined,
): Promise<BudgetPause & { pausedNow: boolean }> {
  const before = await readBudgetPause(project.files.dir, session.name);
  const reached = getBudgetReached(usage, budget) ?? null;
  const pause: BudgetPause = { reached, usage, limit: budget ?? null, time: new Date().toISOString() };
  if (Boolean(before?.reached) === Boolean(reached) && JSON.stringify(before?.usage) === JSON.stringify(usage))
    return { ...(before ?? pause), pausedNow: false };
  await mkdir(join(project.files.dir, 'budget'), { recursive: true });
  await writeFileAtomically(getBudgetPausePath(project.files.dir, session.name), JSON.stringify(pause));
  if (reached && !before?.reached) {
    await project.files.appendEvent({ type: 'budget', session: session.name, usage, limit: budget ?? null });
    const message = `${session.name} is paused: it used ${reached}; \`parx budget ${session.name} --tokens N\` (or --usd N) lets it go on`;
    await tellHuman(project, 'budget', session.name, message);
  }
  return { ...pause, pausedNow: Boolean(reached && !before?.reached) };
}

export interface RaiseOptions extends ProjectOptions {
  session: string;
  usd?: string;
  tokens?: string;
}

/** `parx budget <session> [--usd N] [--tokens N]`: raises the limit, and the session goes on. */
export async function raiseBudget(options: RaiseOptions): Promise<{ session: string; budget: Budget | undefined; pause: BudgetPause }> {
  const project = await loadProject(options);
  const [session] = selectSessions(project.config.sessions, [options.session]);
  const usd = parseLimit(options.usd, '--usd', false);
  const tokens = parseLimit(options.tokens, '--tokens', true);
  if (usd === undefined && tokens === undefined) throw new UsageError('give the new limit: --usd N, --tokens N, or both');
  return withRunLock(project, 'budget', async () => {
    const state = await project.files.readState();
    if (!state) throw new UsageError('there is no run: start one with `parx up`');
    state.budgets = {
      ...state.budgets,
      [session!.name]: { ...state.budgets?.[session!.name], ...(usd !== undefined && { usd }), ...(tokens !== undefined && { tokens }) },
    };
    await project.files.writeState(state);
    const budget = getSessionBudget(state, session!);
    const usage = await readSessionUsage(project, session!, state);
    return { session: session!.name, budget, pause: await updateBudgetPause(project, session!, usage, budget) };
  });
}

function parseLimit(text: string | undefined, flag: string, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} expects a positive ${integer ? 'whole number' : 'number'}, got "${text}"`);
  }
  return value;
}
