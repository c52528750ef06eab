import { describe, expect, it } from 'vitest';
import { getLandingReadiness, getRecoverDecision, type LandingFacts, type RecoverRecord } from '../../src/core/landing.js';
import { findResolveRule } from '../../src/ops/common/resolve.js';

const ready: LandingFacts = {
  ahead: 2,
  agent: { state: 'waiting', since: 2000 },
  tipTime: 1000,
  uncommitted: 0,
  violations: 0,
  unlandedDependencies: [],
  review: undefined,
  conflicts: [],
  breaks: undefined,
  needsHuman: undefined,
  busy: undefined,
  failedTip: undefined,
};

describe('getLandingReadiness: when land: auto lands a session', () => {
  it.each<[string, Partial<LandingFacts>, string | true]>([
    ['finished, clean, reviewed, dependencies landed', {}, true],
    ['its agent has exited after its work', { agent: { state: 'exited', since: 3000 } }, true],
    ['nothing to land (never closed by land: auto)', { ahead: 0 }, 'commits'],
    ['its agent works', { agent: { state: 'working', since: 3000 } }, 'its agent to finish'],
    ['its agent state is not known', { agent: { state: 'unknown', since: undefined } }, 'its agent to finish'],
    [
      'idle since before its last commit (a sync, or commits from before)',
      { agent: { state: 'waiting', since: 500 } },
      'its agent to finish after its last commit',
    ],
    ['uncommitted work', { uncommitted: 3 }, 'its 3 uncommitted file(s) to be committed'],
    ['violations', { violations: 1 }, 'its 1 change(s) outside its ownership to go (or be granted)'],
    ['a dependency not landed', { unlandedDependencies: ['api', 'db'] }, 'api, db to land first'],
    ['review required, no pass', { review: 'changes 2' }, 'review: changes 2'],
    ['a conflict with base', { conflicts: ['src/x.ts'] }, 'its conflict with base in src/x.ts to be resolved'],
    ['the last integration found it breaking', { breaks: 'breaks verify at step 2' }, 'a fix: the last integration found it breaks verify at step 2'],
    ['needs a human', { needsHuman: '3 tries did not land it' }, 'a human: 3 tries did not land it'],
    ['this tip already failed', { failedTip: { tries: 1, reason: 'verify' } }, 'a fix: try 1 failed (verify); it lands once its agent commits again'],
    ['another parx runs', { busy: 'parx down to finish' }, 'parx down to finish'],
    ['needs a human wins over working', { needsHuman: 'x', agent: { state: 'working', since: 1 } }, 'a human: x'],
  ])('%s', (_, over, expected) => {
    const readiness = getLandingReadiness({ ...ready, ...over });
    expect(readiness.ready ? true : readiness.waitingFor).toBe(expected);
  });
});

describe('getRecoverDecision: one try per failure and tip, then a human', () => {
  const record = (tries: number, tip = 't1', reason: RecoverRecord['reason'] = 'verify'): RecoverRecord => ({ tries, tip, reason, time: '' });
  it.each<[string, RecoverRecord | undefined, string, RecoverRecord['reason'], number, string]>([
    ['the first failure', undefined, 't1', 'verify', 3, 'try'],
    ['the same failure on the same tip', record(1), 't1', 'verify', 3, 'same-tip'],
    ['a new tip fails again', record(1), 't2', 'verify', 3, 'try'],
    ['another failure on the same tip', record(1), 't1', 'conflict', 3, 'try'],
    ['retries used up', record(3), 't2', 'verify', 3, 'needs-human'],
    ['retries: 1', record(1), 't2', 'conflict', 1, 'needs-human'],
  ])('%s', (_, rec, tip, reason, retries, expected) => {
    expect(getRecoverDecision(rec, tip, reason, retries)).toBe(expected);
  });
});

describe('findResolveRule: which conflicted files a rule regenerates', () => {
  const rules = { 'package-lock.json': 'npm install --package-lock-only', '**/generated/*.ts': 'npm run gen' };
  it.each([
    ['package-lock.json', 'package-lock.json'],
    ['web/package-lock.json', undefined],
    ['src/generated/index.ts', '**/generated/*.ts'],
    ['src/api.ts', undefined],
  ])('%s → %s', (path, expected) => {
    expect(findResolveRule(rules, path)).toBe(expected);
  });
});
