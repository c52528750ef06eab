import { describe, expect, it } from 'vitest';
import { getApprovalReply, getMessageReply } from '../../src/core/hook-replies.js';
import { createOwnership, findGrant } from '../../src/core/ownership.js';
import { findOpenRequest, foldRequests, getNextRequestId, getRequestSession, oneLine, type RequestLine } from '../../src/core/requests.js';

const sessions = [
  { name: 'auth', owns: ['src/auth/**'] },
  { name: 'payments', owns: ['src/payments/**'] },
];

describe('ownership with grants', () => {
  it.each<[string, Array<{ path: string; to: string }>, string, string, string]>([
    ['no grant', [], 'auth', 'src/payments/a.ts', 'trespass:payments'],
    ['a file granted to the writer', [{ path: 'src/payments/a.ts', to: 'auth' }], 'auth', 'src/payments/a.ts', 'owned'],
    ['a file granted away from its owner', [{ path: 'src/payments/a.ts', to: 'auth' }], 'payments', 'src/payments/a.ts', 'trespass:auth'],
    ['a sibling of a granted file', [{ path: 'src/payments/a.ts', to: 'auth' }], 'auth', 'src/payments/b.ts', 'trespass:payments'],
    ['a file in a granted folder', [{ path: 'src/payments/api', to: 'auth' }], 'auth', 'src/payments/api/x.ts', 'owned'],
    ['a name that only starts like a granted folder', [{ path: 'src/payments/api', to: 'auth' }], 'auth', 'src/payments/api2.ts', 'trespass:payments'],
    ['an unowned file granted', [{ path: 'README.md', to: 'auth' }], 'auth', 'README.md', 'owned'],
    [
      'the latest grant of a path',
      [
        { path: 'src/payments/a.ts', to: 'auth' },
        { path: 'src/payments/a.ts', to: 'payments' },
      ],
      'auth',
      'src/payments/a.ts',
      'trespass:payments',
    ],
  ])('%s', (_, grants, session, path, expected) => {
    const verdict = createOwnership(sessions, [], grants).classify(session, path);
    expect(verdict.kind === 'trespass' ? `trespass:${verdict.owner}` : verdict.kind).toBe(expected);
  });

  it('finds the latest grant covering a path', () => {
    const grants = [
      { path: 'a', to: 'x' },
      { path: 'a/b', to: 'y' },
    ];
    expect(findGrant(grants, 'a/b/c')?.to).toBe('y');
    expect(findGrant(grants, 'a/c')?.to).toBe('x');
    expect(findGrant(grants, 'ab')).toBeUndefined();
  });
});

describe('requests', () => {
  const ownership = createOwnership(sessions, []);
  const lines: RequestLine[] = [
    { type: 'request', id: 'auth-1', path: 'src/payments/a.ts', time: '2026-11-23T10:00:00Z' },
    { type: 'reason', id: 'auth-1', reason: 'need  the\ncharge type', time: '2026-11-23T10:00:05Z' },
    { type: 'request', id: 'auth-2', path: 'src/payments/b.ts', time: '2026-11-23T10:01:00Z' },
    // Lines naming another session's request are not this session's to write.
    { type: 'request', id: 'payments-1', path: 'src/auth/x.ts', time: '2026-11-23T10:02:00Z' },
    { type: 'reason', id: 'payments-9', reason: 'forged', time: '2026-11-23T10:02:00Z' },
  ];

  it('folds lines into requests, owners worked out again, decisions applied', () => {
    const requests = foldRequests('auth', lines, { 'auth-2': { decision: 'refused', time: 'x' } }, ownership);
    expect(requests).toEqual([
      {
        id: 'auth-1',
        from: 'auth',
        owner: 'payments',
        path: 'src/payments/a.ts',
        reason: 'need the charge type',
        time: '2026-11-23T10:00:00Z',
        status: 'open',
      },
      { id: 'auth-2', from: 'auth', owner: 'payments', path: 'src/payments/b.ts', reason: '', time: '2026-11-23T10:01:00Z', status: 'refused' },
    ]);
    expect(findOpenRequest(requests, 'src/payments/a.ts')?.id).toBe('auth-1');
    expect(findOpenRequest(requests, 'src/payments/b.ts')).toBeUndefined();
  });

  it.each([
    ['auth-3', 'auth'],
    ['my-session_2-14', 'my-session_2'],
    ['auth', undefined],
    ['../x-1', undefined],
    ['Auth-1', undefined],
  ])('request id %s belongs to %s', (id, session) => {
    expect(getRequestSession(id)).toBe(session);
  });

  it("numbers a session's requests and keeps reasons to one short line", () => {
    expect(getNextRequestId('auth', lines)).toBe('auth-4');
    expect(oneLine(`a\n\tb   c`)).toBe('a b c');
    expect(oneLine('x'.repeat(400))).toHaveLength(300);
  });
});

describe('hook replies', () => {
  it.each<[string, string | undefined, string, boolean, string | undefined]>([
    ['Claude, an owned Write', 'claude', 'Write', true, '"permissionDecision":"allow"'],
    ['Claude, an owned Edit', 'claude', 'Edit', true, '"permissionDecision":"allow"'],
    ['Claude, a Write outside ownership (its own prompt decides)', 'claude', 'Write', false, undefined],
    ['Claude, Bash (a command line does more than write)', 'claude', 'Bash', true, undefined],
    ['Gemini, an owned write_file (its policy rule approves)', 'gemini', 'write_file', true, undefined],
    ['Gemini, a write_file parx cannot vouch for', 'gemini', 'write_file', false, '"decision":"ask"'],
    ['Gemini, a shell command', 'gemini', 'run_shell_command', false, undefined],
    ['Codex, an owned patch (Codex takes no approval from a hook)', 'codex', 'apply_patch', true, undefined],
    ['no --agent (an older hook line)', undefined, 'Write', true, undefined],
  ])('approval: %s', (_, agent, tool, owned, contains) => {
    const reply = getApprovalReply(agent, tool, owned, ['src/auth/a.ts']);
    if (contains === undefined) expect(reply).toBeUndefined();
    else expect(reply?.stdout).toContain(contains);
  });

  const messages = [{ from: 'human' as const, text: 'use the v2 API' }];
  it.each<[string, string, string, string | undefined, boolean]>([
    ['Claude Stop', 'claude', 'Stop', '"decision":"block"', true],
    ['Codex Stop', 'codex', 'Stop', '"decision":"block"', true],
    ['Gemini AfterAgent', 'gemini', 'AfterAgent', '"decision":"block"', true],
    ['Claude UserPromptSubmit', 'claude', 'UserPromptSubmit', '"additionalContext"', false],
    ['Gemini BeforeAgent', 'gemini', 'BeforeAgent', '"additionalContext"', false],
    ['Claude Notification (not a turn boundary)', 'claude', 'Notification', undefined, false],
    ['Codex UserPromptSubmit (not known to take context)', 'codex', 'UserPromptSubmit', undefined, false],
  ])('messages at %s', (_, agent, event, contains, continues) => {
    const reply = getMessageReply(agent, { hook_event_name: event }, messages);
    if (contains === undefined) return expect(reply).toBeUndefined();
    expect(reply?.stdout).toContain(contains);
    expect(reply?.stdout).toContain('use the v2 API');
    expect(Boolean(reply?.continues)).toBe(continues);
  });
});
