import { describe, expect, it } from 'vitest';
import { validateConfig, type Validation } from '../../src/core/config-validate.js';

const readTaskFile = (path: string) => {
  if (path === 'tasks/auth.md') return 'Task from a file.\n';
  throw new Error(`ENOENT: no such file, open '${path}'`);
};
const validate = (raw: unknown): Validation => validateConfig(raw, { readTaskFile });
const problemsOf = (raw: unknown) => {
  const result = validate(raw);
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.problems.map((p) => `${p.keyPath}: ${p.message}`);
};
const session = (extra: Record<string, unknown> = {}) => ({ owns: ['src/a/**'], task: 'do it', ...extra });
const box = (extra: Record<string, unknown> = {}) => ({ ssh: 'dev@box', dir: '/srv/shop', ...extra });

describe('validateConfig', () => {
  it('fills every default and keeps config order', () => {
    const result = validate({ sessions: { zeta: session(), alpha: session({ owns: ['src/b/**'], agent: 'codex', env: { PORT: 3000, DEBUG: true } }) } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { config } = result;
    expect(config.agent).toBe('claude');
    expect(config.worktreeDir).toBe('../{repo}.parx');
    expect(config.ports).toEqual({ base: 4100, step: 10 });
    expect(config.guard).toEqual({ onViolation: 'warn', commitHook: false, sandbox: 'auto', watcher: 'fs', sockets: [] });
    expect(config.writable).toEqual([]);
    expect(config.sessions.map((s) => s.sandbox)).toEqual(config.sessions.map(() => 'auto'));
    expect(config.layout).toBe('tiled');
    expect(config.sessions.map((s) => [s.name, s.index, s.agent])).toEqual([
      ['zeta', 0, 'claude'],
      ['alpha', 1, 'codex'],
    ]);
    expect(config.sessions[1]!.env).toEqual({ PORT: '3000', DEBUG: 'true' });
  });

  it('merges global env under session env and inherits setup', () => {
    const result = validate({
      setup: 'npm ci',
      env: { A: '1', B: '1' },
      sessions: { s: session({ env: { B: '2' } }), t: session({ owns: ['x'], setup: 'make' }) },
    });
    expect(result.ok && result.config.sessions.map((s) => [s.env, s.setup])).toEqual([
      [{ A: '1', B: '2' }, 'npm ci'],
      [{ A: '1', B: '1' }, 'make'],
    ]);
  });

  it('puts hosted sessions apart from this machine’s, in config order, a hosted one free to wait for a local one', () => {
    const result = validate({
      hosts: { box: box(), far: box({ ssh: 'ssh://dev@far:2222', dir: '~/shop', parx: 'npx parx@0.1.0' }) },
      sessions: { a: session(), b: session({ owns: ['y'], host: 'box', after: ['a'] }), c: session({ owns: ['z'], host: 'far' }) },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.sessions.map((s) => s.name)).toEqual(['a']);
    expect(result.config.hosted.map((s) => [s.name, s.host, s.index])).toEqual([
      ['b', 'box', 1],
      ['c', 'far', 2],
    ]);
  });

  it('reads taskFile through the injected reader', () => {
    const result = validate({ sessions: { auth: { owns: ['a/**'], taskFile: 'tasks/auth.md' } } });
    expect(result.ok && result.config.sessions[0]!.task).toBe('Task from a file.\n');
  });

  it.each([
    [{}, 'sessions: required; expected a map'],
    [{ sessions: {} }, 'sessions: expected at least one session'],
    [{ sessions: { a: session() }, agnet: 'x' }, 'agnet: unknown key; did you mean "agent"?'],
    [{ sessions: { a: session({ ownz: ['x'] }) } }, 'sessions.a.ownz: unknown key; did you mean "owns"?'],
    [{ sessions: { a: session({ owns: 'src/**' }) } }, 'sessions.a.owns: expected a list, got the string "src/**"'],
    [{ sessions: { a: session({ owns: [] }) } }, 'sessions.a.owns: expected at least 1 entry'],
    [{ sessions: { a: session({ owns: ['src/**', ''] }) } }, 'sessions.a.owns[1]: expected a non-empty glob'],
    [{ sessions: { a: session({ owns: ['/etc/**'] }) } }, 'sessions.a.owns[0]: expected a glob relative to the repository root'],
    [{ sessions: { a: session({ owns: ['src/../x/**'] }) } }, 'sessions.a.owns[0]: expected a glob inside the repository'],
    [{ sessions: { a: session({ owns: ['./src/**'] }) } }, 'sessions.a.owns[0]: expected a glob without a leading "./"'],
    [{ sessions: { a: session({ owns: ['!src/**'] }) } }, 'sessions.a.owns[0]: expected a positive glob'],
    [{ sessions: { a: session({ owns: [3] }) } }, 'sessions.a.owns[0]: expected a string, got number 3'],
    [{ shared: ['../up'], sessions: { a: session() } }, 'shared[0]: expected a glob inside the repository'],
    [{ copy: ['/etc/passwd'], sessions: { a: session() } }, 'copy[0]: expected a path inside the repository'],
    [{ sessions: { Auth: session() } }, 'sessions.Auth: expected a session name of lowercase letters'],
    [{ sessions: { ['a'.repeat(41)]: session() } }, `sessions.${'a'.repeat(41)}: expected a session name`],
    [{ sessions: { a: { owns: ['x'] } } }, 'sessions.a.task: expected a task'],
    [{ sessions: { a: session({ task: '  ' }) } }, 'sessions.a.task: expected a task'],
    [{ sessions: { a: session({ taskFile: 'tasks/auth.md' }) } }, 'sessions.a: expected either `task` or `taskFile`, not both'],
    [{ sessions: { a: { owns: ['x'], taskFile: 'missing.md' } } }, 'sessions.a.taskFile: expected a readable file: ENOENT'],
    [{ sessions: { a: session({ after: ['ghost'] }) } }, 'sessions.a.after[0]: expected the name of another session, got unknown session "ghost"'],
    [{ sessions: { a: session({ after: ['b'] }), b: session({ owns: ['y'], after: ['a'] }) } }, 'sessions.a.after: dependency cycle a → b → a'],
    [{ sessions: { a: session({ after: ['a'] }) } }, 'sessions.a.after: dependency cycle a → a'],
    [{ guard: { onViolation: 'explode' }, sessions: { a: session() } }, 'guard.onViolation: expected one of "warn", "revert", got the string "explode"'],
    [{ ports: { base: 'x' }, sessions: { a: session() } }, 'ports.base: expected a number, got the string "x"'],
    [{ ports: { base: 70000 }, sessions: { a: session() } }, 'ports.base: expected a number ≤ 65535'],
    [{ sessions: { a: session({ env: { X: [1] } }) } }, 'sessions.a.env.X: expected a string, number or boolean, got a list'],
    [{ sessions: { a: session({ env: { 'BAD-NAME': '1' } }) } }, 'sessions.a.env.BAD-NAME: expected an environment variable name'],
    [{ agent: 'claude "unterminated', sessions: { a: session() } }, 'agent: expected a command line; it has an unterminated " quote'],
    [{ sessions: { a: session({ agent: '' }) } }, 'sessions.a.agent: expected a non-empty string'],
    [{ verify: 42, sessions: { a: session() } }, 'verify: expected a string, got number 42'],
    [{ sessions: { a: session({ host: 'box' }) } }, 'sessions.a.host: expected the name of an entry of `hosts`, got "box" (no `hosts` are configured)'],
    [{ hosts: { box: box() }, sessions: { a: session({ host: 'bx' }) } }, 'sessions.a.host: expected the name of an entry of `hosts`, got "bx" (hosts: box)'],
    [{ hosts: { box: box({ ssh: '-oProxyCommand=x' }) }, sessions: { a: session() } }, 'hosts.box.ssh: expected an ssh destination'],
    [{ hosts: { box: box({ ssh: 'dev@box -p 2' }) }, sessions: { a: session() } }, 'hosts.box.ssh: expected an ssh destination'],
    [{ hosts: { box: box({ dir: 'shop' }) }, sessions: { a: session() } }, 'hosts.box.dir: expected an absolute path or one under ~/ on that host'],
    [{ hosts: { box: box({ dir: '/srv/a\nb' }) }, sessions: { a: session() } }, 'hosts.box.dir: expected a path on one line'],
    [{ hosts: { box: box({ parx: 'parx "x' }) }, sessions: { a: session() } }, 'hosts.box.parx: expected a command line'],
    [{ hosts: { Box: box() }, sessions: { a: session() } }, 'hosts.Box: expected a host name'],
    [
      { review: { agent: 'claude' }, hosts: { box: box() }, sessions: { a: session({ host: 'box' }) } },
      'sessions.a.review: expected `review: false` for a session on a host (box)',
    ],
    [{ hosts: { box: box({ sshd: 'x' }) }, sessions: { a: session() } }, 'hosts.box.sshd: unknown key; did you mean "ssh"?'],
    [
      { hosts: { box: box() }, sessions: { a: session({ host: 'box' }), b: session({ owns: ['y'], after: ['a'] }) } },
      'sessions.b.after[0]: expected a session of this machine: "a" runs on host box',
    ],
  ])('rejects %j', (raw, expected) => {
    expect(problemsOf(raw).join('\n')).toContain(expected);
  });

  it('reports every problem at once, not just the first', () => {
    const problems = problemsOf({ sessions: { a: session({ owns: [''] }), B: session({ after: ['zz'] }) } });
    expect(problems.length).toBeGreaterThanOrEqual(3);
  });
});
