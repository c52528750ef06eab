import { isRecord } from './hook-payload.js';

/**
 * What `parx hook` prints on stdout for an agent, in that agent's own hook format. Pure.
 *
 * Approvals (`approve: owned`): parx knows the write is the session's own, so the agent need
 * not stop to ask the human.
 *   Claude Code  PreToolUse → `hookSpecificOutput.permissionDecision: "allow"` for its file tools
 *                (not Bash: a command line does more than write files). Claude's own deny rules
 *                are still applied after a hook's allow.
 *   Gemini CLI   a hook cannot approve; the session's policy file does (ops/up/agent-hooks.ts), for
 *                paths in the worktree. The hook's part is the other half: `decision: "ask"` for
 *                a write parx cannot vouch for (ignored, or outside the repository), so that
 *                the policy's approval never covers it.
 *   Codex        applies patches in its workspace without asking by itself; its PreToolUse
 *                takes no approval (only a deny or nothing), so nothing is printed.
 *
 * Messages (`parx tell`, grants, refusals) go in at a turn boundary:
 *   Claude Code, Codex  Stop → `decision: "block"` with the messages as `reason`: the agent
 *                       goes on with them instead of ending its turn.
 *   Gemini CLI          AfterAgent → the same shape, which Gemini sends as the next request.
 *   Claude, Gemini      a prompt the human submits first (UserPromptSubmit, BeforeAgent) gets
 *                       them as `additionalContext`.
 */

export interface HookReply {
  stdout: string;
  /** The reply keeps the agent working (its turn goes on with the messages). */
  continues?: boolean;
}

export interface InboxText {
  from: 'human' | 'parx';
  text: string;
}

const CLAUDE_FILE_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
const GEMINI_FILE_TOOLS = new Set(['write_file', 'replace']);

export function getApprovalReply(agent: string | undefined, tool: string, owned: boolean, paths: readonly string[]): HookReply | undefined {
  if (agent === 'claude' && owned && CLAUDE_FILE_TOOLS.has(tool)) {
    const reason = `parx: ${paths.join(', ')} ${paths.length === 1 ? 'is' : 'are'} this session's own (approve: owned)`;
    return { stdout: JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: reason } }) };
  }
  if (agent === 'gemini' && !owned && GEMINI_FILE_TOOLS.has(tool)) {
    return { stdout: JSON.stringify({ decision: 'ask', reason: 'parx: not a file this session owns; the human decides' }) };
  }
  return undefined;
}

export function getMessageReply(agent: string | undefined, payload: unknown, messages: readonly InboxText[]): HookReply | undefined {
  if (messages.length === 0 || !isRecord(payload)) return undefined;
  const text = formatMessages(messages);
  const event = payload.hook_event_name;
  if ((event === 'Stop' && (agent === 'claude' || agent === 'codex')) || (event === 'AfterAgent' && agent === 'gemini')) {
    return { stdout: JSON.stringify({ decision: 'block', reason: text }), continues: true };
  }
  if ((event === 'UserPromptSubmit' && agent === 'claude') || (event === 'BeforeAgent' && agent === 'gemini')) {
    return { stdout: JSON.stringify({ hookSpecificOutput: { hookEventName: event, additionalContext: text } }) };
  }
  return undefined;
}

export function formatMessages(messages: readonly InboxText[]): string {
  const lines = messages.map((m) => `- ${m.from === 'human' ? 'From the human' : 'From parx'}: ${m.text}`);
  return `Messages for this session, delivered by parx:\n${lines.join('\n')}`;
}
