/**
 * What the guard says, in words: the line its pane prints and tmux shows for each kind of news
 * (`banner`), and the notification the human gets (`notice`). Pure, so that every sentence is
 * one table row in test/unit/guard-messages.test.ts.
 */

const ownedBy = (owner: string | undefined) => (owner ? `owned by ${owner}` : 'owned by no session');

export const guardMessages = {
  violationBanner: (session: string, path: string, owner: string | undefined) => `parx: ${session} changed ${path} (${ownedBy(owner)})`,
  violationNotice: (session: string, path: string, owner: string | undefined) => `${session} changed ${path}, ${ownedBy(owner)}`,
  collisionBanner: (sessions: readonly string[], path: string) => `parx: ${sessions.join(' and ')} both changed ${path}`,
  waitingBanner: (session: string, detail: string | undefined) => `parx: ${session} is waiting for you${detail ? ` (${detail})` : ''}`,
  waitingNotice: (session: string, detail: string | undefined) => `${session} is waiting for you${detail ? `: ${detail}` : ''}`,
  noteBanner: (session: string, text: string) => `parx: for ${session} (its agent has no hooks; tell it in its pane): ${text}`,
  integrationBanner: (session: string, finding: string) => `parx: integration: ${session} ${finding}`,
  integrationNotice: (session: string, finding: string) => `integration: ${session} ${finding}`,
  askNotice: (session: string, owner: string | undefined, path: string, id: string) => `${session} asks ${owner ?? 'nobody'} for ${path} (parx grant ${id})`,
  revertBanner: (session: string, path: string, outcome: { error?: string | undefined; quarantined?: string | undefined }) =>
    outcome.error
      ? `parx: could not revert ${path} in ${session}: ${outcome.error}`
      : `parx: reverted ${path} in ${session}${outcome.quarantined ? `; what it wrote is in ${outcome.quarantined}` : ''}`,
  pollingBanner: (session: string, dir: string) => `parx: cannot watch ${session}/${dir}; polling it (see the guard pane)`,
  eventlessBanner: () => 'parx: kernel file events may miss changes here; see the guard pane',
};
