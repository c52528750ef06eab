import * as z from 'zod/mini';

/**
 * The shape of a parx configuration file (docs/configuration.md). An unknown key is an error
 * (a misspelt `ownz:` silently ignored would leave a session unguarded), but it is checked in
 * config-validate.ts against `allowedKeys` rather than with zod's strict objects, so that one
 * stray key does not hide every other problem in the file. Rules zod cannot express with a
 * good message (session names, globs, `after`, cycles) live there too.
 *
 * zod/mini rather than zod: the same schemas and issue paths, at a tenth of the bundle, which
 * is start-up time for every parx command.
 */

/** A schema with the text editors show for it (it lands in the JSON Schema as `description`). */
const describe = <T extends z.ZodMiniType>(schema: T, text: string): T => schema.check(z.describe(text));

const envValue = z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String));
const envMap = z.record(z.string(), envValue);
const command = z.string().check(z.trim(), z.minLength(1));
const stringList = z.array(z.string());
const sandboxMode = z.enum(['auto', 'on', 'off']);
const approveMode = z.enum(['owned', 'ask']);

/**
 * The reviewer stage (docs/review.md). At the top level every key has its default; a session's
 * own `review:` is `false` (no review for it), `true`, or any of the same keys over the top-level ones.
 */
const reviewKeys = {
  agent: describe(
    z.optional(command),
    'The reviewer: a preset (claude, codex, gemini, shell), run headless, or a command line with {prompt} or {promptFile} (default: the top-level agent).',
  ),
  instructions: describe(z.optional(z.string()), "Added to the reviewer's prompt: what to look for, what to leave alone."),
  rounds: describe(
    z.optional(z.int().check(z.minimum(1), z.maximum(100))),
    'Reviews of one session that ask for changes (or fail) before it needs a human (default 3).',
  ),
  required: describe(z.optional(z.boolean()), '`parx down` lands only a tip whose latest verdict is a pass (default true).'),
  auto: describe(z.optional(z.boolean()), 'Review by itself when an agent waits with commits no verdict covers yet (default true).'),
  timeout: describe(
    z.optional(z.union([z.string().check(z.minLength(1)), z.number()])),
    'How long one review may take before it counts as an error: 20m, 90s (default 20m).',
  ),
};
const reviewSchema = z.object(reviewKeys);

const budgetSchema = z.object({
  usd: describe(z.optional(z.number().check(z.positive())), 'A cost limit in US dollars, where the agent reports its cost.'),
  tokens: describe(z.optional(z.int().check(z.positive())), 'A limit on tokens (input, output and cache) by the agent’s own count.'),
});

export const sessionSchema = z.object({
  owns: describe(z.array(z.string()).check(z.minLength(1)), 'Globs of the files this session may change; no two sessions may own one file.'),
  task: describe(z.optional(z.string()), 'The task, given to the agent in its prompt.'),
  taskFile: describe(z.optional(z.string().check(z.minLength(1))), 'A file holding the task, relative to the config file (instead of task).'),
  after: describe(z._default(stringList, []), 'Sessions this one builds on: it merges after them.'),
  agent: describe(z.optional(command), "This session's agent: a preset (claude, codex, gemini, agy, aider, shell) or a command line."),
  setup: describe(z.optional(command), "Runs in this session's new worktree before its agent starts (instead of the top-level setup)."),
  env: describe(z._default(envMap, {}), "More environment variables for this session's pane."),
  sandbox: describe(z.optional(sandboxMode), 'Overrides guard.sandbox for this session.'),
  approve: describe(z.optional(approveMode), 'Overrides the top-level approve for this session.'),
  review: describe(
    z.optional(z.union([z.boolean(), reviewSchema])),
    'false: no review for this session; true or keys: the top-level review with these keys over it.',
  ),
  budget: describe(z.optional(budgetSchema), "This session's budget (its keys over the top-level budget)."),
  host: describe(z.optional(z.string().check(z.minLength(1))), 'Run this session on one of `hosts` (over ssh) instead of this machine.'),
});

/** A machine sessions can run on (docs/hosts.md): reached with the `ssh` on PATH, so the user's ssh config, agent and keys apply. */
const hostSchema = z.object({
  ssh: describe(z.string().check(z.trim(), z.minLength(1)), 'What `ssh` connects to: an alias from ~/.ssh/config, user@host, or ssh://user@host:port.'),
  dir: describe(z.string().check(z.minLength(1)), "The repository's clone on that host (absolute or ~/…; made when missing)."),
  parx: describe(z.optional(command), 'The parx command there, as a shell command line (default: parx on its PATH).'),
});

const portsSchema = z.object({
  base: describe(z.int().check(z.minimum(1), z.maximum(65535)), 'PARX_PORT of the first session.'),
  step: describe(z._default(z.int().check(z.minimum(1)), 10), "How far apart the sessions' ports are."),
});

const guardSchema = z.object({
  onViolation: describe(z._default(z.enum(['warn', 'revert']), 'warn'), "warn: flag a write outside the session's ownership; revert: also undo it."),
  commitHook: describe(z._default(z.boolean(), false), 'Install a pre-commit hook in each worktree that refuses commits of files the session does not own.'),
  sandbox: describe(
    z._default(sandboxMode, 'auto'),
    'Run each pane in an OS sandbox where only what the session may change is writable (auto: where bubblewrap works).',
  ),
  watcher: describe(
    z._default(z.enum(['fs', 'poll']), 'fs'),
    "fs: kernel file events; poll: stat every file each interval, for file systems where events do not arrive (network mounts, WSL's /mnt/c, some container mounts).",
  ),
  sockets: describe(
    z._default(z.array(z.enum(['ssh-agent', 'gpg-agent', 'dbus', 'display'])), []),
    'Your sockets the sandbox may reach (hidden otherwise): ssh-agent, gpg-agent (commit signing), dbus (the session bus: it can start programs outside the sandbox), display (X11/Wayland).',
  ),
});

const integrateSchema = z.object({
  every: describe(
    z.union([z.string().check(z.minLength(1)), z.number()]),
    'How often the guard runs `parx integrate` when session tips changed: 10m, 90s, 1h (a number is seconds).',
  ),
});

const layoutPreset = z.enum(['tiled', 'even-horizontal', 'even-vertical', 'main-horizontal', 'main-vertical']);

const layoutSchema = z.object({
  preset: describe(z._default(layoutPreset, 'tiled'), 'The tmux layout of each window.'),
  panesPerWindow: describe(
    z.optional(z.int().check(z.minimum(1), z.maximum(50))),
    'Session panes per tmux window (default: as many as fit the terminal at 79×23 or more each).',
  ),
});

export const configSchema = z.object({
  $schema: describe(z.optional(z.string()), 'The JSON Schema of this file, for editors; parx ignores it.'),
  base: describe(z.optional(z.string().check(z.minLength(1))), 'The branch sessions fork from and merge into (default: the branch checked out).'),
  agent: describe(
    z._default(command, 'claude'),
    "Every session's agent: a preset (claude, codex, gemini, agy, aider, shell) or a command line with {prompt} or {promptFile}.",
  ),
  worktreeDir: describe(z._default(z.string().check(z.minLength(1)), '../{repo}.parx'), "Where worktrees go; {repo} is the repository folder's name."),
  setup: describe(z.optional(command), 'Runs in each new worktree before its agent starts.'),
  copy: describe(z._default(stringList, []), 'Untracked or ignored files copied from this checkout into each new worktree.'),
  teardown: describe(z.optional(command), 'Runs in a worktree before `parx down` removes it.'),
  verify: describe(z.optional(command), 'The build or test command run after each merge by `parx down` (and by `parx integrate` in its scratch worktree).'),
  ports: describe(z._default(portsSchema, { base: 4100, step: 10 }), 'A port per session, as PARX_PORT.'),
  shared: describe(z._default(stringList, []), 'Globs any session may change without a violation.'),
  env: describe(z._default(envMap, {}), 'Environment variables for every pane.'),
  guard: describe(
    z._default(guardSchema, { onViolation: 'warn', commitHook: false, sandbox: 'auto', watcher: 'fs', sockets: [] }),
    'How ownership is enforced.',
  ),
  writable: describe(z._default(stringList, []), 'More paths writable inside the sandbox: worktree-relative globs, or absolute or ~/ folders.'),
  approve: describe(z._default(approveMode, 'owned'), "owned: parx's hook approves edits to owned and shared paths, so agents do not stop to ask."),
  notify: describe(
    z.optional(command),
    'A shell command run when a session waits, asks or violates (PARX_EVENT, PARX_SESSION, PARX_MESSAGE in its environment).',
  ),
  integrate: describe(z.optional(integrateSchema), 'Run `parx integrate` in the background.'),
  sync: describe(z._default(z.enum(['manual', 'auto']), 'manual'), 'auto: right after `parx down` lands a session, bring its running dependents up to date.'),
  tmuxSession: describe(z.optional(z.string().check(z.minLength(1))), "The tmux session's name (default: parx-<repo>)."),
  layout: describe(
    z._default(z.union([layoutPreset, layoutSchema]), 'tiled'),
    'A tmux preset layout, or {preset, panesPerWindow} to spread sessions over several windows.',
  ),
  review: describe(z.optional(reviewSchema), "A reviewer for every session's committed work, which cannot change it (absent: no review)."),
  budget: describe(
    z.optional(budgetSchema),
    'Per session: reaching it pauses the session (its next write is refused through its hooks) and asks you; `parx budget` raises it.',
  ),
  land: describe(
    z._default(z.enum(['manual', 'auto']), 'manual'),
    'auto: the recording guard lands each session once it is ready (finished, clean, reviewed, its dependencies landed), as `parx down <session>` would.',
  ),
  recover: describe(
    z._default(z.enum(['off', 'agent']), 'off'),
    'agent: a session whose merge conflicts or breaks verify is brought up to date and told what failed, for another try.',
  ),
  retries: describe(z._default(z.int().check(z.minimum(1), z.maximum(100)), 3), 'Tries per session (recover: agent) before it needs a human.'),
  resolve: describe(
    z._default(z.record(z.string(), command), {}),
    'Glob → command that regenerates a conflicted file (a lockfile) instead of refusing the merge: run in a scratch checkout of the merge.',
  ),
  promptTemplate: describe(z.optional(z.string().check(z.minLength(1))), 'Your own prompt template file, relative to the config file.'),
  hosts: describe(z._default(z.record(z.string(), hostSchema), {}), 'Other machines sessions can run on, by name (a session picks one with `host:`).'),
  sessions: describe(z.record(z.string(), sessionSchema), 'One agent session per entry, by name.'),
});

/** Keys allowed at each level, for "did you mean" hints on unknown keys. */
export const allowedKeys = {
  top: Object.keys(configSchema.shape),
  session: Object.keys(sessionSchema.shape),
  guard: Object.keys(guardSchema.shape),
  ports: Object.keys(portsSchema.shape),
  integrate: Object.keys(integrateSchema.shape),
  layout: Object.keys(layoutSchema.shape),
  review: Object.keys(reviewSchema.shape),
  budget: Object.keys(budgetSchema.shape),
  host: Object.keys(hostSchema.shape),
};

export type RawConfig = z.output<typeof configSchema>;
