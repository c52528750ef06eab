import { describe, expect, it } from 'vitest';
import { guardMessages as say } from '../../src/core/guard-messages.js';

describe('what the guard says', () => {
  it.each([
    [say.violationBanner('web', 'src/auth/a.ts', 'auth'), 'parx: web changed src/auth/a.ts (owned by auth)'],
    [say.violationBanner('web', 'README.md', undefined), 'parx: web changed README.md (owned by no session)'],
    [say.violationNotice('web', 'src/auth/a.ts', 'auth'), 'web changed src/auth/a.ts, owned by auth'],
    [say.violationNotice('web', 'README.md', undefined), 'web changed README.md, owned by no session'],
    [say.collisionBanner(['api', 'web'], 'package.json'), 'parx: api and web both changed package.json'],
    [say.waitingBanner('api', 'Claude needs your permission to use Bash'), 'parx: api is waiting for you (Claude needs your permission to use Bash)'],
    [say.waitingBanner('api', undefined), 'parx: api is waiting for you'],
    [say.waitingNotice('api', 'approve the plan'), 'api is waiting for you: approve the plan'],
    [say.waitingNotice('api', undefined), 'api is waiting for you'],
    [say.noteBanner('shell', 'rebase on main'), 'parx: for shell (its agent has no hooks; tell it in its pane): rebase on main'],
    [say.integrationBanner('api', 'breaks verify at step 2 (after auth)'), 'parx: integration: api breaks verify at step 2 (after auth)'],
    [say.integrationNotice('api', 'conflicts with web'), 'integration: api conflicts with web'],
    [say.askNotice('web', 'auth', 'src/auth/a.ts', 'r1'), 'web asks auth for src/auth/a.ts (parx grant r1)'],
    [say.askNotice('web', undefined, 'README.md', 'r2'), 'web asks nobody for README.md (parx grant r2)'],
    [say.revertBanner('web', 'src/auth/a.ts', {}), 'parx: reverted src/auth/a.ts in web'],
    [say.revertBanner('web', 'src/auth/a.ts', { quarantined: '/q/1' }), 'parx: reverted src/auth/a.ts in web; what it wrote is in /q/1'],
    [say.revertBanner('web', 'src/auth/a.ts', { error: 'EACCES' }), 'parx: could not revert src/auth/a.ts in web: EACCES'],
    [say.pollingBanner('api', 'node_modules'), 'parx: cannot watch api/node_modules; polling it (see the guard pane)'],
    [say.eventlessBanner(), 'parx: kernel file events may miss changes here; see the guard pane'],
  ])('%s', (said, expected) => {
    expect(said).toBe(expected);
  });
});
