import type { InboxMessage } from '../../adapters/run-files.js';
import { getSessionAgentKind, hasHooks } from '../../core/agent-hooks.js';
import type { Project } from './project.js';

/**
 * How parx says something to a session's agent (`parx tell`, a grant, a refusal, a sync): an
 * agent with hooks gets it at its next turn boundary (its inbox, which its hooks read); one
 * without (aider, a shell, any other program) has no turn boundary parx could feed, so the
 * message is kept for the human to pass on (`notes/<session>.jsonl`), shown by `parx status` and
 * announced in the guard pane, never queued for a delivery that cannot happen.
 */

export type MessageRoute = 'agent' | 'human';

export async function sendToAgent(project: Project, session: string, from: InboxMessage['from'], text: string): Promise<MessageRoute> {
  const config = project.config.sessions.find((s) => s.name === session);
  if (config && hasHooks(getSessionAgentKind(config.agent))) {
    await project.files.appendInbox(session, { from, text });
    return 'agent';
  }
  await project.files.appendNote(session, { from, text });
  return 'human';
}
