import { describe, expect, it } from 'vitest';
import { compareSemver, judgeAgentVersion, readSemver, readVersion } from '../../src/core/version.js';

describe('readVersion', () => {
  it.each([
    ['git version 2.39.5', [2, 38], { major: 2, minor: 39, atLeast: true }],
    ['git version 2.38.0.windows.1', [2, 38], { major: 2, minor: 38, atLeast: true }],
    ['git version 2.37.9', [2, 38], { major: 2, minor: 37, atLeast: false }],
    ['tmux 3.3a', [3, 2], { major: 3, minor: 3, atLeast: true }],
    ['tmux 2.9', [3, 2], { major: 2, minor: 9, atLeast: false }],
    ['tmux next-3.4', [3, 2], { major: 3, minor: 4, atLeast: true }],
    ['codex-cli 0.169.0', [0, 100], { major: 0, minor: 169, atLeast: true }],
    ['no version here', [1, 0], undefined],
  ] as const)('%s against %j', (text, min, expected) => {
    expect(readVersion(text, min)).toEqual(expected);
  });
});

describe('judgeAgentVersion: an installed agent against the versions parx was tested with', () => {
  it.each<[string, string, string[], string]>([
    ['the pin', '2.1.332 (Claude Code)', ['2.1.332', '2.1.328'], 'tested'],
    ['the previous pin', 'codex-cli 0.169.0', ['0.171.0', '0.169.0'], 'tested'],
    ['newer than both', '2.1.340 (Claude Code)', ['2.1.332', '2.1.328'], 'newer'],
    ['older than both', '0.150.2', ['0.171.0', '0.169.0'], 'older'],
    ['between them', '0.170.1', ['0.171.0', '0.169.0'], 'between'],
    ['a minor bump counts', '2.2.0', ['2.1.332'], 'newer'],
  ])('%s', (_, text, tested, expected) => {
    expect(judgeAgentVersion(readSemver(text)!, tested)).toBe(expected);
  });

  it('reads no version from text without one', () => {
    expect(readSemver('Claude Code')).toBeUndefined();
    expect(compareSemver('1.2.10', '1.2.9')).toBe(1);
  });
});
