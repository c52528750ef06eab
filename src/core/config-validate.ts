import type { ConfigProblem } from './errors.js';
import { allowedKeys, configSchema, type RawConfig } from './config-schema.js';
import { describeIssue, describeUnknownKey } from './config-messages.js';
import { splitCommandLine } from './agent-command.js';
import { findDependencyCycle } from './order.js';
import { parseInterval } from './integration.js';
import { getGlobPrefix } from './sandbox-plan.js';

/** A session after validation: every default filled in, the task text resolved. */
export interface SessionConfig {
  name: string;
  /** Position in the config file: decides PARX_PORT and ties in dependency order. */
  index: number;
  owns: string[];
  task: string;
  after: string[];
  agent: string;
  setup: string | undefined;
  env: Record<string, string>;
  /** `auto | on | off`: the session's own `sandbox`, else `guard.sandbox`. */
  sandbox: 'auto' | 'on' | 'off';
  /** `owned | ask`: the session's own `approve`, else the top-level one. */
  approve: 'owned' | 'ask';
  /** Its reviewer stage, every default filled in; undefined: its work is not reviewed. */
  review: ReviewSettings | undefined;
  /** Its budget (its own keys over the top-level ones); undefined: none. */
  budget: { usd?: number; tokens?: number } | undefined;
  /** The `hosts:` entry it runs on (docs/hosts.md); undefined: this machine. */
  host?: string;
}

/** A session's `review:` after the top-level one and the defaults (docs/review.md). */
export interface ReviewSettings {
  agent: string;
  instructions: string | undefined;
  rounds: number;
  required: boolean;
  auto: boolean;
  timeoutMs: number;
}

const REVIEW_DEFAULTS = { rounds: 3, required: true, auto: true, timeout: '20m' as string | number };

/**
 * `sessions` are the sessions of this machine: everything that works on worktrees here (check,
 * guard, integrate, sync, review) sees only them. `hosted` are the ones on other hosts, which
 * only `up`, `status` and `down` reach, over ssh (ops/hosts/).
 */
export interface ParxConfig extends Omit<RawConfig, 'sessions'> {
  sessions: SessionConfig[];
  hosted: SessionConfig[];
}

export type Validation = { ok: true; config: ParxConfig } | { ok: false; problems: ConfigProblem[] };

export interface ValidateOptions {
  /** Reads a `taskFile` (relative to the config file); throws when it cannot. Injected: core does no I/O. */
  readTaskFile: (relativePath: string) => string;
}

export const SESSION_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export function validateConfig(raw: unknown, options: ValidateOptions): Validation {
  const problems: ConfigProblem[] = [...findUnknownKeys(raw), ...findNulCharacters(raw, '')];
  const parsed = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: [...problems, ...parsed.error.issues.flatMap(describeIssue)] };
  const rawConfig = parsed.data;
  const names = Object.keys(rawConfig.sessions);

  if (names.length === 0) problems.push({ keyPath: 'sessions', message: 'expected at least one session' });
  rawConfig.shared.forEach((glob, i) => checkGlob(glob, `shared[${i}]`, problems));
  rawConfig.copy.forEach((path, i) => checkRelativePath(path, `copy[${i}]`, problems));
  rawConfig.writable.forEach((entry, i) => checkWritable(entry, `writable[${i}]`, problems));
  checkCommandLine(rawConfig.agent, 'agent', problems);
  checkEnvNames(rawConfig.env, 'env', problems);
  checkReview(rawConfig.review, 'review', problems);
  for (const [name, host] of Object.entries(rawConfig.hosts)) checkHost(name, host, problems);
  for (const [glob, line] of Object.entries(rawConfig.resolve)) {
    checkGlob(glob, `resolve.${glob}`, problems);
    checkCommandLine(line, `resolve.${glob}`, problems);
  }
  if (rawConfig.integrate) {
    const ms = parseInterval(rawConfig.integrate.every);
    if (ms === undefined || ms < 1000)
      problems.push({
        keyPath: 'integrate.every',
        message: `expected an interval of at least 1s, such as "10m", "90s" or "1h", got "${rawConfig.integrate.every}"`,
      });
  }

  const sessions: SessionConfig[] = names.map((name, index) => {
    const s = rawConfig.sessions[name]!;
    const at = `sessions.${name}`;
    if (!SESSION_NAME.test(name)) {
      problems.push({
        keyPath: at,
        message: 'expected a session name of lowercase letters, digits, "-" or "_", starting with a letter or digit, at most 40 characters',
      });
    }
    s.owns.forEach((glob, i) => checkGlob(glob, `${at}.owns[${i}]`, problems));
    if (s.agent !== undefined) checkCommandLine(s.agent, `${at}.agent`, problems);
    checkEnvNames(s.env, `${at}.env`, problems);
    if (typeof s.review === 'object') checkReview(s.review, `${at}.review`, problems);
    s.after.forEach((dep, i) => {
      if (!names.includes(dep)) {
        problems.push({ keyPath: `${at}.after[${i}]`, message: `expected the name of another session, got unknown session "${dep}"` });
      } else if (!s.host && rawConfig.sessions[dep]!.host) {
        // Sessions on hosts land after this machine's: one here cannot wait for one there.
        problems.push({
          keyPath: `${at}.after[${i}]`,
          message: `expected a session of this machine: "${dep}" runs on host ${rawConfig.sessions[dep]!.host}, and hosted sessions land after this machine's`,
        });
      }
    });
    if (s.host !== undefined && !(s.host in rawConfig.hosts)) {
      const known = Object.keys(rawConfig.hosts);
      problems.push({
        keyPath: `${at}.host`,
        message: `expected the name of an entry of \`hosts\`, got "${s.host}"${known.length > 0 ? ` (hosts: ${known.join(', ')})` : ' (no `hosts` are configured)'}`,
      });
    }
    return {
      name,
      index,
      owns: s.owns,
      task: resolveTask(s.task, s.taskFile, at, options, problems),
      after: s.after,
      agent: s.agent ?? rawConfig.agent,
      setup: s.setup ?? rawConfig.setup,
      env: { ...rawConfig.env, ...s.env },
      sandbox: s.sandbox ?? rawConfig.guard.sandbox,
      approve: s.approve ?? rawConfig.approve,
      review: resolveReview(rawConfig.review, s.review, rawConfig.agent),
      budget: rawConfig.budget || s.budget ? { ...rawConfig.budget, ...s.budget } : undefined,
      ...(s.host !== undefined && { host: s.host }),
    };
  });

  // `down` lands a hosted session from here, and a reviewer of it would need its tip here first:
  // not built yet, so a review that `down` would wait for forever is refused now, not skipped.
  for (const s of sessions)
    if (s.host && s.review)
      problems.push({
        keyPath: `sessions.${s.name}.review`,
        message: `expected \`review: false\` for a session on a host (${s.host}): reviews of hosted sessions are not supported yet`,
      });

  const cycle = findDependencyCycle(sessions);
  if (cycle) {
    problems.push({ keyPath: `sessions.${cycle[0]}.after`, message: `dependency cycle ${cycle.join(' → ')}; expected sessions to form an order` });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { ...rawConfig, sessions: sessions.filter((s) => !s.host), hosted: sessions.filter((s) => s.host) } };
}

/**
 * Strings holding a NUL character: no argv element or environment value can carry one, so the
 * agent, setup or pane would fail to start after worktrees exist. Refused up front.
 */
function findNulCharacters(value: unknown, keyPath: string): ConfigProblem[] {
  if (typeof value === 'string') return value.includes('\0') ? [{ keyPath, message: 'expected text without NUL characters' }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findNulCharacters(v, `${keyPath}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(k.includes('\0') ? [{ keyPath, message: 'expected keys without NUL characters' }] : []),
      ...findNulCharacters(v, keyPath ? `${keyPath}.${k}` : k),
    ]);
  }
  return [];
}

function findUnknownKeys(raw: unknown): ConfigProblem[] {
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isMap(raw)) return [];
  const levels: Array<[unknown, string[], string]> = [
    [raw, allowedKeys.top, ''],
    [raw.guard, allowedKeys.guard, 'guard.'],
    [raw.ports, allowedKeys.ports, 'ports.'],
    [raw.integrate, allowedKeys.integrate, 'integrate.'],
    [raw.layout, allowedKeys.layout, 'layout.'],
    [raw.review, allowedKeys.review, 'review.'],
    [raw.budget, allowedKeys.budget, 'budget.'],
    ...Object.entries(isMap(raw.hosts) ? raw.hosts : {}).map(([name, h]): [unknown, string[], string] => [h, allowedKeys.host, `hosts.${name}.`]),
    ...Object.entries(isMap(raw.sessions) ? raw.sessions : {}).flatMap(([name, s]): Array<[unknown, string[], string]> => [
      [s, allowedKeys.session, `sessions.${name}.`],
      [isMap(s) ? s.review : undefined, allowedKeys.review, `sessions.${name}.review.`],
      [isMap(s) ? s.budget : undefined, allowedKeys.budget, `sessions.${name}.budget.`],
    ]),
  ];
  return levels.flatMap(([value, allowed, prefix]) =>
    isMap(value)
      ? Object.keys(value)
          .filter((key) => !allowed.includes(key))
          .map((key) => ({ keyPath: `${prefix}${key}`, message: describeUnknownKey(key, allowed) }))
      : [],
  );
}

type RawReview = NonNullable<RawConfig['review']>;

/**
 * A session's review: none when neither the top level nor the session asks for one, or when the
 * session says `false`; otherwise its keys over the top-level ones over the defaults. The
 * reviewer defaults to the top-level agent (not the session's: a session on aider or a shell
 * can still have a reviewer that runs headless).
 */
function resolveReview(top: RawReview | undefined, own: boolean | RawReview | undefined, defaultAgent: string): ReviewSettings | undefined {
  if (own === false || (top === undefined && own === undefined)) return undefined;
  const mine = typeof own === 'object' ? own : {};
  const pick = <K extends keyof RawReview>(key: K) => mine[key] ?? top?.[key];
  return {
    agent: pick('agent') ?? defaultAgent,
    instructions: pick('instructions'),
    rounds: pick('rounds') ?? REVIEW_DEFAULTS.rounds,
    required: pick('required') ?? REVIEW_DEFAULTS.required,
    auto: pick('auto') ?? REVIEW_DEFAULTS.auto,
    timeoutMs: parseInterval(pick('timeout') ?? REVIEW_DEFAULTS.timeout) ?? 20 * 60_000,
  };
}

function checkReview(review: RawReview | undefined, keyPath: string, problems: ConfigProblem[]): void {
  if (!review) return;
  if (review.agent !== undefined) checkCommandLine(review.agent, `${keyPath}.agent`, problems);
  if (review.timeout !== undefined) {
    const ms = parseInterval(review.timeout);
    if (ms === undefined || ms < 1000)
      problems.push({ keyPath: `${keyPath}.timeout`, message: `expected an interval of at least 1s, such as "20m" or "90s", got "${review.timeout}"` });
  }
}

function resolveTask(task: string | undefined, taskFile: string | undefined, at: string, options: ValidateOptions, problems: ConfigProblem[]): string {
  if (task !== undefined && taskFile !== undefined) {
    problems.push({ keyPath: at, message: 'expected either `task` or `taskFile`, not both' });
    return '';
  }
  if (taskFile !== undefined) {
    try {
      const text = options.readTaskFile(taskFile);
      if (text.includes('\0'))
        problems.push({ keyPath: `${at}.taskFile`, message: 'expected a text file; it holds a NUL character, which no program argument can carry' });
      return text;
    } catch (error) {
      problems.push({ keyPath: `${at}.taskFile`, message: `expected a readable file: ${(error as Error).message}` });
      return '';
    }
  }
  if (task === undefined || task.trim() === '') {
    problems.push({ keyPath: `${at}.task`, message: 'expected a task (a non-empty `task` string or a `taskFile`)' });
    return '';
  }
  return task;
}

/**
 * A `hosts:` entry: its name becomes part of ref names, its `ssh` an argument of ssh (never an
 * option: a leading "-" is refused), its `parx` a command line run there.
 */
function checkHost(name: string, host: RawConfig['hosts'][string], problems: ConfigProblem[]): void {
  const at = `hosts.${name}`;
  if (!SESSION_NAME.test(name))
    problems.push({
      keyPath: at,
      message: 'expected a host name of lowercase letters, digits, "-" or "_", starting with a letter or digit, at most 40 characters',
    });
  if (host.ssh.startsWith('-') || /\s/.test(host.ssh) || [...host.ssh].some((c) => c.charCodeAt(0) < 0x20))
    problems.push({ keyPath: `${at}.ssh`, message: `expected an ssh destination (an alias, user@host or ssh://user@host:port), got "${host.ssh}"` });
  if (/[\n\r]/.test(host.dir)) problems.push({ keyPath: `${at}.dir`, message: 'expected a path on one line' });
  else if (!host.dir.startsWith('/') && host.dir !== '~' && !host.dir.startsWith('~/'))
    problems.push({ keyPath: `${at}.dir`, message: `expected an absolute path or one under ~/ on that host, got "${host.dir}"` });
  if (host.parx !== undefined) checkCommandLine(host.parx, `${at}.parx`, problems);
}

/** Why a glob can never mean what its author wants, or undefined when it is fine. */
export function getGlobProblem(glob: string): string | undefined {
  if (glob.trim() === '') return 'expected a non-empty glob';
  if (glob.startsWith('/')) return `expected a glob relative to the repository root, got the absolute "${glob}"`;
  if (glob.split('/').includes('..')) return `expected a glob inside the repository, got "${glob}" (contains "..")`;
  if (glob.startsWith('./')) return `expected a glob without a leading "./", e.g. "${glob.slice(2)}"`;
  if (glob.startsWith('!')) return 'expected a positive glob; negation ("!") is not supported, list what is owned instead';
  if (glob.startsWith('#')) return 'expected a glob; a leading "#" makes it a comment that matches nothing';
  return undefined;
}

function checkGlob(glob: string, keyPath: string, problems: ConfigProblem[]): void {
  const problem = getGlobProblem(glob);
  if (problem) problems.push({ keyPath, message: problem });
}

function checkCommandLine(line: string, keyPath: string, problems: ConfigProblem[]): void {
  try {
    splitCommandLine(line);
  } catch (error) {
    problems.push({ keyPath, message: `expected a command line; it ${(error as Error).message}` });
  }
}

function checkEnvNames(env: Record<string, string>, keyPath: string, problems: ConfigProblem[]): void {
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push({ keyPath: `${keyPath}.${name}`, message: 'expected an environment variable name (letters, digits and "_", not starting with a digit)' });
    }
  }
}

/**
 * A `writable:` entry: an absolute or `~/` folder outside the repository, or a worktree-relative
 * glob whose literal folder is not the worktree's root (that would open every session's files).
 */
function checkWritable(entry: string, keyPath: string, problems: ConfigProblem[]): void {
  if (entry.startsWith('/') || entry === '~' || entry.startsWith('~/')) {
    if (entry.split('/').includes('..')) problems.push({ keyPath, message: `expected a path without "..", got "${entry}"` });
    return;
  }
  const problem = getGlobProblem(entry);
  if (problem) problems.push({ keyPath, message: problem });
  else if (getGlobPrefix(entry) === '') {
    problems.push({ keyPath, message: `"${entry}" would make the whole worktree writable; name the folder it lives in (e.g. "logs/**")` });
  }
}

function checkRelativePath(path: string, keyPath: string, problems: ConfigProblem[]): void {
  if (path.trim() === '') problems.push({ keyPath, message: 'expected a non-empty path' });
  else if (path.startsWith('/') || path.split('/').includes('..')) {
    problems.push({ keyPath, message: `expected a path inside the repository, got "${path}"` });
  }
}
