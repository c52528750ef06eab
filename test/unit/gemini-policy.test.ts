import { describe, expect, it } from 'vitest';
import { getGeminiPolicy } from '../../src/core/agent-hooks.js';

/** Gemini CLI's sorted JSON of a call's arguments, each top-level pair between NUL characters. */
const args = (filePath: string) => `{\0"content":"x"\0,\0"file_path":${JSON.stringify(filePath)}\0}`;

describe('getGeminiPolicy', () => {
  const policy = getGeminiPolicy('/tmp/a.b/wt')!;
  const pattern = new RegExp(/argsPattern = '(.*)'/.exec(policy)![1]!);

  it.each([
    ['/tmp/a.b/wt/src/x.ts', true],
    ['/tmp/a.b/wt/deep/er/x', true],
    ['/tmp/a.b/wt/..x/y', true],
    // A `..` is the hook's to judge: it resolves the path and answers ask (Gemini refuses lookaheads here).
    ['/tmp/a.b/wt/../etc/x', true],
    ['/tmp/aXb/wt/x', false],
    ['/tmp/a.b/wt2/x', false],
    ['/tmp/a.b/wt', false],
    ['src/x.ts', false],
  ])('%s in the worktree → approved: %s', (path, approved) => {
    expect(pattern.test(args(path))).toBe(approved);
  });

  it('has no quantified group (Gemini drops such a rule as a ReDoS risk)', () => {
    expect(pattern.source).not.toMatch(/\)[*+?]/);
  });

  it('is a TOML rule for write_file and replace, and no rule at all for a path TOML cannot hold', () => {
    expect(policy).toContain('toolName = ["write_file", "replace"]');
    expect(policy).toContain('decision = "allow"');
    expect(getGeminiPolicy("/tmp/it's/wt")).toBeUndefined();
  });
});
