import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { getConfigJsonSchema } from '../../src/core/config-json-schema.js';
import { validateConfig } from '../../src/core/config-validate.js';

const committed = JSON.parse(readFileSync(new URL('../../schema/parx.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const schemaAccepts = ajv.compile(committed);
const parxAccepts = (config: unknown) => validateConfig(config, { readTaskFile: () => 'a task' }).ok;

const session = { owns: ['src/**'], task: 'build it' };

describe('the JSON Schema shipped for editors', () => {
  it('is the validator’s own schema (run `npm run schema` after changing config-schema.ts)', () => {
    expect(committed).toEqual(getConfigJsonSchema());
  });

  // Structural cases, where the schema and parx must agree. (Rules a JSON Schema cannot say,
  // such as disjoint globs or `after` cycles, are parx's alone.)
  it.each([
    ['a minimal config', { sessions: { api: session } }, true],
    ['a $schema key, as editors write it', { $schema: 'https://unpkg.com/parx/schema/parx.schema.json', sessions: { api: session } }, true],
    [
      'every second-round key',
      {
        guard: { sandbox: 'on', watcher: 'poll' },
        writable: ['.cache/**'],
        approve: 'ask',
        notify: 'true',
        integrate: { every: '10m' },
        sync: 'auto',
        layout: { panesPerWindow: 6 },
        sessions: { api: { ...session, sandbox: 'off', approve: 'owned' } },
      },
      true,
    ],
    ['layout as a plain preset', { layout: 'main-vertical', sessions: { api: session } }, true],
    ['env values that are numbers and booleans', { env: { PORT: 3000, DEBUG: true }, sessions: { api: session } }, true],
    ['no sessions key', { agent: 'claude' }, false],
    ['an unknown top-level key', { sesions: {}, sessions: { api: session } }, false],
    ['a misspelt session key', { sessions: { api: { ownz: ['src/**'], owns: ['src/**'], task: 'x' } } }, false],
    ['an unknown guard key', { guard: { watch: 'poll' }, sessions: { api: session } }, false],
    ['an unknown watcher', { guard: { watcher: 'inotify' }, sessions: { api: session } }, false],
    ['an unknown layout preset', { layout: 'grid', sessions: { api: session } }, false],
    ['panesPerWindow out of range', { layout: { panesPerWindow: 0 }, sessions: { api: session } }, false],
    ['owns empty', { sessions: { api: { owns: [], task: 'x' } } }, false],
    ['a port out of range', { ports: { base: 70000 }, sessions: { api: session } }, false],
  ])('%s: accepted = %s by both', (_, config, accepted) => {
    expect(schemaAccepts(config)).toBe(accepted);
    expect(parxAccepts(config)).toBe(accepted);
  });

  it('describes every key an editor completes', () => {
    const missing: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (typeof node !== 'object' || node === null) return;
      const { properties } = node as { properties?: Record<string, { description?: string }> };
      for (const [key, value] of Object.entries(properties ?? {})) if (!value.description) missing.push(`${at}${key}`);
      for (const value of Object.values(node)) walk(value, at);
    };
    walk(committed, '');
    expect(missing).toEqual([]);
  });
});
