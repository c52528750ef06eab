import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPrompt } from '../../src/core/prompt.js';

const template = readFileSync(new URL('../../templates/prompt.md', import.meta.url), 'utf8');

describe('renderPrompt', () => {
  const text = renderPrompt(template, {
    session: 'auth',
    branch: 'parx/auth',
    base: 'main',
    worktree: '/w/auth',
    task: 'Implement JWT login. Leave {{owns}} alone.\n\n',
    owns: ['src/auth/**', 'test/auth/**'],
    shared: ['package-lock.json'],
    others: [{ name: 'payments', owns: ['src/payments/**'] }],
  });

  it('scopes the task: what it owns, what others own, what is shared, and the protocol', () => {
    expect(text).toContain('Implement JWT login.');
    expect(text).toContain('- `src/auth/**`\n- `test/auth/**`');
    expect(text).toContain('- payments: `src/payments/**`');
    expect(text).toContain('- `package-lock.json`');
    expect(text).toContain('Branch: parx/auth (forked from main)');
    expect(text).toMatch(/stop and report/);
    expect(text).toMatch(/[Cc]ommit/);
  });

  it.each([
    [true, 'This session runs in an OS sandbox', 'as parx-sandbox/auth/tip'],
    [false, undefined, undefined],
  ])('tells a sandboxed session (%s) why a write fails and where its branch is kept', (sandboxed, first, second) => {
    const rendered = renderPrompt(template, {
      session: 'auth',
      branch: 'parx/auth',
      base: 'main',
      worktree: '/w/auth',
      task: 't',
      owns: ['a/**'],
      shared: [],
      others: [],
      sandboxed,
    });
    if (first && second) {
      expect(rendered).toContain(first);
      expect(rendered).toContain(second);
    } else {
      expect(rendered).not.toContain('sandbox');
      expect(rendered.endsWith('summarise what you changed.\n')).toBe(true);
    }
  });

  it('delivers the task as written, without expanding placeholders inside it', () => {
    expect(text).toContain('Leave {{owns}} alone.');
    expect(text.replace('Leave {{owns}} alone.', '')).not.toMatch(/\{\{\w+\}\}/);
  });
});
