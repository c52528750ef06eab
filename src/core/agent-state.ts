import type { AgentState } from './run-state.js';

/**
 * A session's agent state as parx shows and acts on it: from its tmux pane (none, dead or
 * alive) and what its agent last reported (or the guard inferred from pane silence). A live
 * pane whose agent has not said it waits counts as working. Pure.
 */
export function judgeAgentState(pane: { dead: boolean } | undefined, everHadPane: boolean, reported: AgentState | undefined): AgentState | 'not-started' {
  if (!pane && !everHadPane) return 'not-started';
  if (!pane || pane.dead) return 'exited';
  return reported === 'waiting' ? 'waiting' : 'working';
}
