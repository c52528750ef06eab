import { describe, expect, it } from 'vitest';
import { escapeFormat } from '../../src/adapters/tmux.js';
import { escapeControlChars } from '../../src/core/safe-text.js';

describe('escapeControlChars', () => {
  it.each([
    ['src/a.ts', 'src/a.ts'],
    ['naïve/日本.ts', 'naïve/日本.ts'],
    ['a\x1b]52;c;eA==\x07b', 'a\\x1b]52;c;eA==\\x07b'],
    ['a\nb\tc\rd', 'a\\x0ab\\x09c\\x0dd'],
    ['del\x7f', 'del\\x7f'],
    ['c1\u009b31m', 'c1\\x9b31m'],
    ['right\u202eto-left', 'right\\u202eto-left'],
    ['isolate\u2066x\u2069', 'isolate\\u2066x\\u2069'],
  ])('%j → %j', (input, expected) => {
    expect(escapeControlChars(input)).toBe(expected);
  });
});

describe('escapeFormat', () => {
  it.each([
    ['/home/me/code/app', '/home/me/code/app'],
    ['/home/me/C#/app', '/home/me/C##/app'],
    ['#(touch ~/pwned)', '##(touch ~/pwned)'],
    ['#{pane_id}#S##', '##{pane_id}##S####'],
  ])('%j → %j', (input, expected) => {
    expect(escapeFormat(input)).toBe(expected);
  });
});
