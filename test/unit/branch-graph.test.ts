import { describe, expect, it } from 'vitest';
import { readBranchGraph, splitDiffTreeOutput } from '../../src/core/branch-graph.js';

// Commits as letters (base: m1 ← m2; branches fork off them). rev-list lists a branch commit with
// its parents; a boundary commit (in base) starts with '-'.
describe('readBranchGraph', () => {
  it.each<[string, string[], string[], Array<{ ahead: number; forkPoint: string | undefined }>]>([
    ['one branch of two commits off m2', ['b2 b1', 'b1 m2', '-m2 m1'], ['b2'], [{ ahead: 2, forkPoint: 'm2' }]],
    ['a tip base already has: nothing ahead, forked at itself', ['-m2 m1'], ['m1'], [{ ahead: 0, forkPoint: 'm1' }]],
    [
      'two branches sharing commits count them each',
      ['c1 b1', 'b2 b1', 'b1 m1', '-m1'],
      ['b2', 'c1'],
      [
        { ahead: 2, forkPoint: 'm1' },
        { ahead: 2, forkPoint: 'm1' },
      ],
    ],
    [
      'base merged into the branch: several fork points, left to git',
      ['b3 b2 m2', 'b2 b1', 'b1 m1', '-m2 m1', '-m1'],
      ['b3'],
      [{ ahead: 3, forkPoint: undefined }],
    ],
    [
      'the same tip twice',
      ['b1 m1', '-m1'],
      ['b1', 'b1'],
      [
        { ahead: 1, forkPoint: 'm1' },
        { ahead: 1, forkPoint: 'm1' },
      ],
    ],
  ])('%s', (_title, lines, tips, expected) => {
    expect(readBranchGraph(lines, tips)).toEqual(expected);
  });
});

describe('splitDiffTreeOutput', () => {
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  it('splits per input, an empty comparison included, paths kept whole', () => {
    const out = `${a}\0M\0src/x.ts\0A\0${'c'.repeat(40)}\0${b}\0${a}\0D\0odd\nname\0`;
    expect(splitDiffTreeOutput(out, 3)).toEqual([
      [
        { status: 'M', path: 'src/x.ts' },
        { status: 'A', path: 'c'.repeat(40) },
      ],
      [],
      [{ status: 'D', path: 'odd\nname' }],
    ]);
  });

  it('refuses an answer that does not cover every input', () => {
    expect(() => splitDiffTreeOutput(`${a}\0M\0x\0`, 2)).toThrow(/1 of 2/);
  });
});
