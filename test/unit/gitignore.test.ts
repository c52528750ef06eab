import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitIgnoreRules } from '../../src/adapters/gitignore.js';

describe('GitIgnoreRules', () => {
  it('follows git: root and nested .gitignore, info/exclude, negation, directories', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parx-ignore-'));
    const common = join(dir, '.git');
    mkdirSync(join(common, 'info'), { recursive: true });
    writeFileSync(join(common, 'info', 'exclude'), 'secret.txt\n');
    writeFileSync(join(dir, '.gitignore'), '*.log\nbuild/\n!keep.log\n');
    mkdirSync(join(dir, 'pkg'));
    writeFileSync(join(dir, 'pkg', '.gitignore'), 'generated/\n!important.log\n');
    const rules = new GitIgnoreRules(common, join(dir, 'no-global-excludes'));
    rules.loadGitignore(dir, '');
    rules.loadGitignore(dir, 'pkg');
    const table: Array<[string, boolean, boolean]> = [
      ['debug.log', false, true],
      ['keep.log', false, false],
      ['src/deep/debug.log', false, true],
      ['build', true, true],
      ['src/build', true, true],
      ['build', false, false],
      ['secret.txt', false, true],
      ['pkg/generated', true, true],
      ['generated', true, false],
      ['pkg/important.log', false, false],
      ['pkg/other.log', false, true],
      ['src/index.ts', false, false],
    ];
    for (const [path, isDirectory, ignored] of table)
      expect({ path, isDirectory, ignored: rules.isIgnored(path, isDirectory) }).toEqual({ path, isDirectory, ignored });
  });
});
