import { guardMessages as say } from '../../core/guard-messages.js';
import type { GuardAnnouncer } from './announcer.js';
import type { GuardNotifier } from './notifier.js';
import type { GuardEvent } from './types.js';

/**
 * Where each guard event goes, in one place: always to the caller (the pane's printout, or
 * `--json`); and, from the recording guard only, to events.jsonl and the pane borders (the
 * announcer), to the human once where they are needed (the notifier), and an agent's state to
 * the run's services (reviews, landings, budgets). `message` is the line shown for it.
 */
export interface GuardRoutes {
  onEvent: (event: GuardEvent) => void;
  isRecording: () => boolean;
  announcer: GuardAnnouncer;
  notifier: GuardNotifier;
  onState: (session: string, state: string) => void;
}

export type GuardEmit = (event: Omit<GuardEvent, 'time'>, message?: string, session?: string) => void;

export function createGuardRouter(routes: GuardRoutes): GuardEmit {
  const { announcer, notifier } = routes;
  return (event, message, session) => {
    const full = { time: new Date().toISOString(), ...event } as GuardEvent;
    routes.onEvent(full);
    if (!routes.isRecording()) return;
    if (['violation', 'collision', 'state', 'revert'].includes(full.type)) announcer.announce(full, message, session);
    switch (full.type) {
      case 'state':
        announcer.setPaneOption(full.session, '@parx_state', full.state);
        notifier.reset(full.session);
        routes.onState(full.session, full.state);
        if (full.state === 'waiting') notifier.notify('waiting', full.session, say.waitingNotice(full.session, full.detail));
        break;
      case 'violation':
        notifier.notify('violation', full.session, say.violationNotice(full.session, full.path, full.owner));
        break;
      case 'note':
        announcer.show(message ?? say.noteBanner(full.session, full.text), full.session);
        break;
      case 'integration':
        announcer.show(message ?? say.integrationBanner(full.session, full.finding), full.session);
        notifier.notify('integration', full.session, say.integrationNotice(full.session, full.finding), full.finding);
        break;
      case 'ask':
        if (full.path) notifier.notify('request', full.session, say.askNotice(full.session, full.owner, full.path, full.id), full.id);
        break;
    }
  };
}
