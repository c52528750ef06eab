import * as z from 'zod/mini';

/**
 * The shape of a parx configuration file (SPEC "Configuration"). An unknown key is an error
 * (a misspelt `ownz:` silently ignored would leave a session unguarded), but it is checked in
 * config-validate.ts against `allowedKeys` rather than with zod's strict objects, so that one
 * stray key does not hide every other problem in the file. Rules zod cannot express with a
 * good message (session names, globs, `after`, cycles) live there too.
 *
 * zod/mini rather than zod: the same schemas and issue paths, at a tenth of the bundle, which
 * is start-up time for every parx command.
 */

const envValue = z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String));
const envMap = z.record(z.string(), envValue);
const command = z.string().check(z.trim(), z.minLength(1));
const stringList = z.array(z.string());

export const sessionSchema = z.object({
  owns: z.array(z.string()).check(z.minLength(1)),
  task: z.optional(z.string()),
  taskFile: z.optional(z.string().check(z.minLength(1))),
  after: z._default(stringList, []),
  agent: z.optional(command),
  setup: z.optional(command),
  env: z._default(envMap, {}),
  /** Overrides `guard.sandbox` for this session. */
  sandbox: z.optional(z.enum(['auto', 'on', 'off'])),
  /** Overrides the top-level `approve` for this session. */
  approve: z.optional(z.enum(['owned', 'ask'])),
});

const portsSchema = z.object({
  base: z.int().check(z.minimum(1), z.maximum(65535)),
  step: z._default(z.int().check(z.minimum(1)), 10),
});

const guardSchema = z.object({
  onViolation: z._default(z.enum(['warn', 'revert']), 'warn'),
  commitHook: z._default(z.boolean(), false),
  /** Run each pane in an OS sandbox where only what the session may change is writable. */
  sandbox: z._default(z.enum(['auto', 'on', 'off']), 'auto'),
});

const integrateSchema = z.object({
  /** How often the recording guard runs `parx integrate` when session tips changed: `10m`, `90s`, `1h`. */
  every: z.union([z.string().check(z.minLength(1)), z.number()]),
});

const layoutPreset = z.enum(['tiled', 'even-horizontal', 'even-vertical', 'main-horizontal', 'main-vertical']);

const layoutSchema = z.object({
  preset: z._default(layoutPreset, 'tiled'),
  /** Session panes per tmux window (default: from the terminal's size, see core/pane-layout.ts). */
  panesPerWindow: z.optional(z.int().check(z.minimum(1), z.maximum(50))),
});

export const configSchema = z.object({
  base: z.optional(z.string().check(z.minLength(1))),
  agent: z._default(command, 'claude'),
  worktreeDir: z._default(z.string().check(z.minLength(1)), '../{repo}.parx'),
  setup: z.optional(command),
  copy: z._default(stringList, []),
  teardown: z.optional(command),
  verify: z.optional(command),
  ports: z._default(portsSchema, { base: 4100, step: 10 }),
  shared: z._default(stringList, []),
  env: z._default(envMap, {}),
  guard: z._default(guardSchema, { onViolation: 'warn', commitHook: false, sandbox: 'auto' }),
  /** More paths writable inside the sandbox: worktree-relative globs, or absolute / `~/` folders. */
  writable: z._default(stringList, []),
  /** `owned`: parx's hook approves edits to owned/shared paths, so agents do not stop to ask them. */
  approve: z._default(z.enum(['owned', 'ask']), 'owned'),
  /** A shell command run when a session waits, asks or violates (PARX_EVENT, PARX_SESSION, PARX_MESSAGE in its environment). */
  notify: z.optional(command),
  /** The integration radar: `parx integrate` in the background (see ops/integrate-radar.ts). */
  integrate: z.optional(integrateSchema),
  /** `auto`: right after `parx down` lands a session, bring its running dependents up to date (`parx sync`). */
  sync: z._default(z.enum(['manual', 'auto']), 'manual'),
  /** Extensions beyond the SPEC's example keys (documented in the README). */
  tmuxSession: z.optional(z.string().check(z.minLength(1))),
  /** A tmux preset layout, or `{ preset, panesPerWindow }` to spread sessions over several windows. */
  layout: z._default(z.union([layoutPreset, layoutSchema]), 'tiled'),
  promptTemplate: z.optional(z.string().check(z.minLength(1))),
  sessions: z.record(z.string(), sessionSchema),
});

/** Keys allowed at each level, for "did you mean" hints on unknown keys. */
export const allowedKeys = {
  top: Object.keys(configSchema.shape),
  session: Object.keys(sessionSchema.shape),
  guard: Object.keys(guardSchema.shape),
  ports: Object.keys(portsSchema.shape),
  integrate: Object.keys(integrateSchema.shape),
  layout: Object.keys(layoutSchema.shape),
};

export type RawConfig = z.output<typeof configSchema>;
