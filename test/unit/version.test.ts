import { describe, expect, it } from 'vitest';
import { readVersion } from '../../src/core/version.js';

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
