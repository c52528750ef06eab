import { z } from 'zod';

/**
 * The shape of a parx configuration file (SPEC "Configuration"). An unknown key is an error
 * (a misspelt `ownz:` silently ignored would leave a session unguarded), but it is checked in
 * config-validate.ts against `allowedKeys` rather than with zod's strict objects, so that one
 * stray key does not hide every other problem in the file. Rules zod cannot express with a
 * good message (session names, globs, `after`, cycles) live there too.
 */

const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const envMap = z.record(z.string(), envValue);
const command = z.string().trim().min(1);
const stringList = z.array(z.string());

export const sessionSchema = z.object({
  owns: z.array(z.string()).min(1),
  task: z.string().optional(),
  taskFile: z.string().min(1).optional(),
  after: stringList.default([]),
  agent: command.optional(),
  setup: command.optional(),
  env: envMap.default({}),
});

export const configSchema = z.object({
  base: z.string().min(1).optional(),
  agent: command.default('claude'),
  worktreeDir: z.string().min(1).default('../{repo}.parx'),
  setup: command.optional(),
  copy: stringList.default([]),
  teardown: command.optional(),
  verify: command.optional(),
  ports: z
    .strictObject({ base: z.number().int().min(1).max(65535), step: z.number().int().min(1).default(10) })
    .default({ base: 4100, step: 10 }),
  shared: stringList.default([]),
  env: envMap.default({}),
  guard: z
    .strictObject({
      onViolation: z.enum(['warn', 'revert']).default('warn'),
      commitHook: z.boolean().default(false),
    })
    .default({ onViolation: 'warn', commitHook: false }),
  /** Extensions beyond the SPEC's example keys (documented in the README). */
  tmuxSession: z.string().min(1).optional(),
  layout: z.enum(['tiled', 'even-horizontal', 'even-vertical', 'main-horizontal', 'main-vertical']).default('tiled'),
  promptTemplate: z.string().min(1).optional(),
  sessions: z.record(z.string(), sessionSchema),
});

/** Keys allowed at each level, for "did you mean" hints on unknown keys. */
export const allowedKeys = {
  top: Object.keys(configSchema.shape),
  session: Object.keys(sessionSchema.shape),
  guard: ['onViolation', 'commitHook'],
  ports: ['base', 'step'],
};

export type RawConfig = z.output<typeof configSchema>;
