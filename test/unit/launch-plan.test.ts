import { describe, expect, it } from 'vitest';
import type { SessionConfig } from '../../src/core/config-validate.js';
import { getSetupToRun, planLaunch } from '../../src/core/launch-plan.js';
import type { SessionState } from '../../src/core/run-state.js';
import type { WorktreeAction } from '../../src/core/worktree-plan.js';

const session = (name: string, index: number, extra: Partial<SessionConfig> = {}): SessionConfig => ({
  name,
  index,
  owns: [`src/${name}/**`],
  task: 't',
  after: [],
  agent: 'claude',
  setup: 'npm ci',
  env: {},
  sandbox: 'auto',
  approve: 'owned',
  review: undefined,
  budget: undefined,
  ...extra,
});
const action = (kind: WorktreeAction['kind'], name: string): WorktreeAction =>
  kind === 'add-existing-branch'
    ? { kind, session: name, branch: `parx/${name}`, path: `/wt/${name}`, forget: [] }
    : { kind, session: name, branch: `parx/${name}`, path: `/wt/${name}` };
const before = (setup: SessionState['setup']) => ({ setup }) as SessionState;

describe('whether setup runs', () => {
  it.each([
    ['create-branch', undefined, 'npm ci'],
    ['add-existing-branch', before('ok'), 'npm ci'],
    ['reuse', undefined, 'npm ci'],
    ['reuse', before('failed'), 'npm ci'],
    ['reuse', before('ok'), undefined],
    ['reuse', before('none'), undefined],
  ] as const)('%s with a previous setup %j → %s', (kind, previous, expected) => {
    expect(getSetupToRun(action(kind, 'a'), 'npm ci', previous)).toBe(expected);
  });
});

describe('the launch plan', () => {
  const input = {
    sessions: [session('auth', 0), session('web', 1, { agent: 'my-agent --task {prompt}', env: { DEBUG: '1' } })],
    actions: [action('create-branch', 'auth'), action('reuse', 'web')],
    prompts: new Map([
      ['auth', 'Do auth.'],
      ['web', 'Do web.'],
    ]),
    promptFile: (name: string) => `/run/prompts/${name}.md`,
    sandboxed: new Set(['auth']),
    previous: { web: before('ok') },
    root: '/repo',
    repoName: 'shop',
    ports: { base: 4100, step: 10 },
    hookArgs: (s: SessionConfig, sandboxed: boolean) => (s.agent === 'claude' ? ['--settings', `/run/hooks/${s.name}.json${sandboxed ? '' : '?'}`] : []),
  };

  it('plans each session: setup, prompt, argv, variables, port, sandbox', () => {
    const [auth, web] = planLaunch(input);
    expect(auth).toMatchObject({ session: 'auth', setup: 'npm ci', sandboxed: true, port: 4100, prompt: { text: 'Do auth.', file: '/run/prompts/auth.md' } });
    // Final: the hooks' arguments in, with what they depend on (the sandbox).
    expect(auth!.argv.slice(0, 3)).toEqual(['claude', '--settings', '/run/hooks/auth.json']);
    expect(auth!.env).toMatchObject({
      PARX_SESSION: 'auth',
      PARX_BRANCH: 'parx/auth',
      PARX_WORKTREE: '/wt/auth',
      PARX_ROOT: '/repo',
      PARX_PORT: '4100',
      COMPOSE_PROJECT_NAME: 'shop-auth',
    });
    expect(web).toMatchObject({
      session: 'web',
      setup: undefined,
      sandboxed: false,
      port: 4110,
      argv: ['my-agent', '--task', 'Do web.'],
      env: { DEBUG: '1', PARX_PORT: '4110' },
    });
  });

  it('refuses, naming the session, an agent command that cannot carry its prompt', () => {
    const bad = { ...input, sessions: [session('auth', 0, { agent: 'my-agent "{prompt}' })], actions: [action('create-branch', 'auth')] };
    expect(() => planLaunch(bad)).toThrow(/the agent command of session auth/);
  });

  it.each([
    // A prompt past what one tmux command carries, given mid-command: no pane can take it.
    ['my-agent {prompt} --then-exit', 'x'.repeat(20_000), /session auth is too long for tmux \(its prompt is 20000 characters, mid-command\)/],
    // Given last, it is read from its file by a small wrapper instead: planned as run.
    ['my-agent {prompt}', 'x'.repeat(20_000), null],
  ])('fits %s with a %#th long prompt into one tmux command, or refuses it before anything exists', (agent, text, refusal) => {
    const long = { ...input, sessions: [session('auth', 0, { agent })], actions: [action('create-branch', 'auth')], prompts: new Map([['auth', text]]) };
    if (refusal) expect(() => planLaunch(long)).toThrow(refusal);
    else expect(planLaunch(long)[0]!.argv.slice(0, 5)).toEqual(['sh', '-c', expect.any(String), 'parx-prompt', '/run/prompts/auth.md']);
  });
});
