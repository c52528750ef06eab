import { describe, expect, it } from 'vitest';
import { complete, formatCompletion, getCompletionSpec } from '../../src/cli/completion.js';
import { createProgram } from '../../src/cli/main.js';

const spec = getCompletionSpec(createProgram());
const sessions = () => Promise.resolve(['auth', 'api', 'web']);
const values = async (words: string[]) => {
  const result = await complete(spec, words, sessions);
  return result.kind === 'files' ? 'FILES' : result.words.map(([value]) => value).join(' ');
};

describe('shell completion', () => {
  it.each([
    [['d'], 'down doctor'],
    [['s'], 'status sync'],
    [['--v'], '--version'],
    [['-c', 'x.yaml', 'pl'], 'plan'],
    [['-c', ''], 'FILES'],
    [['--config', 'x.yaml', 'down', 'a'], 'auth api'],
    [['down', ''], 'auth api web'],
    [['down', 'auth', ''], 'api web'],
    [['down', '--keep', 'a'], 'auth api'],
    [['down', '--'], '--dry-run --keep --commit-wip --allow-violations --json --help'],
    [['down', '--d'], '--dry-run'],
    [['up', '-'], '-d --detach --respawn -n --dry-run --json -h --help'],
    [['status', '--w'], '--watch'],
    [['plan', ''], ''],
    [['tell', ''], 'auth api web'],
    [['tell', 'auth', ''], ''],
    [['grant', 'src/x.ts', '--to', 'w'], 'web'],
    [['integrate', '--sessions', ''], ''],
    [['completion', ''], 'bash zsh fish'],
    [['completion', 'z'], 'zsh'],
    [['frobnicate', ''], ''],
    [['__comp'], ''],
    [['as'], ''],
    [['review', ''], 'submit approve reject show auth api web'],
    [['review', 'a'], 'approve auth api'],
    [['review', 'auth', ''], 'api web'],
    [['review', 'show', ''], 'auth api web'],
    [['review', 'show', 'auth', ''], ''],
    [['review', 'reject', '--'], '--why --tip --help'],
    [['review', 'submit', '--'], '--pass --changes --findings --summary --help'],
    [['review', 'submit', '--findings', ''], 'FILES'],
  ])('parx %j → %s', async (words, expected) => {
    expect(await values(words)).toBe(expected);
  });

  it('lists every visible command with its description, and no hidden one', async () => {
    const result = await complete(spec, [''], sessions);
    const names = result.kind === 'words' ? result.words.map(([v]) => v) : [];
    expect(names).toEqual(
      expect.arrayContaining([
        'init',
        'plan',
        'up',
        'guard',
        'check',
        'status',
        'down',
        'integrate',
        'sync',
        'doctor',
        'requests',
        'grant',
        'refuse',
        'tell',
        'completion',
      ]),
    );
    expect(names).not.toContain('ask');
    expect(names).not.toContain('__complete');
    expect(formatCompletion(result).split('\n')[0]).toBe('words');
    expect(formatCompletion(result)).toMatch(/\nup\tcreate worktrees/);
  });

  it('asks for session names only where one may come', async () => {
    let asked = 0;
    await complete(spec, ['plan', '--'], () => (asked++, Promise.resolve([])));
    await complete(spec, [''], () => (asked++, Promise.resolve([])));
    expect(asked).toBe(0);
  });
});
