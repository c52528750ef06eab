import { notifyDesktop, runNotifyCommand } from '../../adapters/notify.js';
import type { Project } from './project.js';

/**
 * Brings the human to a session that needs them, from a command rather than the guard (a
 * review's rounds used up, a recovery's retries, a budget reached): a desktop notification where
 * there is one and the user's `notify:` command (PARX_EVENT, PARX_SESSION, PARX_MESSAGE), as the
 * guard's notifier does (ops/guard/notifier.ts). Called once per event by its caller.
 */
export async function tellHuman(project: Project, event: string, session: string, message: string): Promise<void> {
  await Promise.all([
    notifyDesktop(`parx: ${session}`, message),
    project.config.notify
      ? runNotifyCommand(project.config.notify, project.root, {
          ...(process.env as Record<string, string>),
          PARX_EVENT: event,
          PARX_SESSION: session,
          PARX_MESSAGE: message,
        })
      : undefined,
  ]);
}
