import { describe, expect, it } from 'vitest';
import { findUnlandedDependency, getMergeQueue, getNextBackupRef, isQueueDone, type Outcome } from '../../src/core/merge-queue.js';

const s = (name: string, ...after: string[]) => ({ name, after });
const merged: Outcome = { kind: 'merged', commit: 'c', commits: 1 };
const refused: Outcome = { kind: 'refused', refusals: [{ kind: 'dirty', files: ['x'] }] };

describe('getMergeQueue', () => {
  const sessions = [s('web', 'api'), s('auth'), s('api', 'auth'), s('docs')];

  it('orders every session after all it names, free sessions in config order', () => {
    expect(getMergeQueue(sessions).order).toEqual(['auth', 'docs', 'api', 'web']);
    expect(getMergeQueue(sessions).outsideDependencies.size).toBe(0);
  });

  it('keeps dependency order within a selection, whatever order the names were given in', () => {
    expect(getMergeQueue(sessions, ['web', 'api']).order).toEqual(['api', 'web']);
  });

  it('lists the dependencies a selection leaves out (they must already be in base)', () => {
    const queue = getMergeQueue(sessions, ['web', 'docs']);
    expect(queue.order).toEqual(['docs', 'web']);
    expect([...queue.outsideDependencies]).toEqual([['web', ['api']]]);
  });
});

describe('findUnlandedDependency', () => {
  const session = s('web', 'api', 'auth');

  it.each<[string, Record<string, Outcome>, string | undefined]>([
    ['all landed', { api: merged, auth: { kind: 'in-base', mergedEarlier: false } }, undefined],
    ['a refused dependency', { api: merged, auth: refused }, 'auth'],
    ['a blocked dependency', { api: { kind: 'blocked', by: 'x' }, auth: merged }, 'api'],
    ['an evicted dependency', { api: { kind: 'evicted', before: 'b', backupRef: 'r', exitCode: 1, outputTail: [] }, auth: merged }, 'api'],
    ['a never-started dependency (nothing to wait for)', { api: { kind: 'absent' }, auth: merged }, undefined],
    ['a planned merge (dry run)', { api: { kind: 'would-merge', commits: 2, wip: 0 }, auth: merged }, undefined],
    ['dependencies outside the queue (judged by the caller)', {}, undefined],
  ])('%s', (_, outcomes, expected) => {
    expect(findUnlandedDependency(session, new Map(Object.entries(outcomes)))).toBe(expected);
  });
});

describe('isQueueDone', () => {
  it('is true only when every outcome landed', () => {
    expect(
      isQueueDone(
        new Map<string, Outcome>([
          ['a', merged],
          ['b', { kind: 'absent' }],
        ]),
      ),
    ).toBe(true);
    expect(
      isQueueDone(
        new Map<string, Outcome>([
          ['a', merged],
          ['b', refused],
        ]),
      ),
    ).toBe(false);
    expect(isQueueDone(new Map())).toBe(true);
  });
});

describe('getNextBackupRef', () => {
  it('numbers from 1 and continues after the highest existing ref of that session', () => {
    expect(getNextBackupRef([], 'auth')).toBe('refs/parx/backup/auth/1');
    const existing = ['refs/parx/backup/auth/1', 'refs/parx/backup/auth/7', 'refs/parx/backup/auth-v2/9', 'refs/parx/backup/auth/x'];
    expect(getNextBackupRef(existing, 'auth')).toBe('refs/parx/backup/auth/8');
    expect(getNextBackupRef(existing, 'auth-v2')).toBe('refs/parx/backup/auth-v2/10');
  });
});
