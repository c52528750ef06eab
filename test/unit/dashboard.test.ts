import { describe, expect, it } from 'vitest';
import { cutTo, renderDashboard, type DashboardInput, type DashboardSession } from '../../src/core/dashboard.js';

const session = (name: string, extra: Partial<DashboardSession> = {}): DashboardSession => ({
  name,
  state: 'working',
  since: null,
  owns: [`src/${name}/**`],
  granted: [],
  ahead: 0,
  changed: 0,
  violations: 0,
  requests: { asked: 0, toAnswer: 0 },
  pendingMessages: 0,
  merge: 'clean',
  ...extra,
});
const input = (extra: Partial<DashboardInput> = {}): DashboardInput => ({
  base: 'main',
  sessions: [session('auth'), session('payments')],
  requests: [],
  forecast: [],
  selected: 0,
  panel: [],
  updated: '2026-11-23T10:11:12Z',
  width: 80,
  height: 24,
  ...extra,
});

describe('renderDashboard', () => {
  it.each<[string, Partial<DashboardInput>]>([
    ['two sessions', {}],
    [
      'long names, globs and reasons',
      {
        sessions: [session('a-very-long-session-name', { owns: ['src/deeply/nested/folder/**', 'test/**'], granted: ['src/x/y.ts'], pendingMessages: 2 })],
        requests: [{ id: 'a-1', from: 'a', owner: 'b', path: 'src/b/'.repeat(20), reason: 'why '.repeat(40) }],
      },
    ],
    ['thirty sessions', { sessions: Array.from({ length: 30 }, (_, i) => session(`s${i}`)) }],
    [
      'a conflict forecast and a panel',
      { forecast: [{ sessions: ['auth', 'payments'], files: ['src/shared/db.ts'] }], panel: ['check auth: 1 violation(s)', '  src/payments/x.ts'] },
    ],
  ])('fits 80×24: %s', (_, extra) => {
    const lines = renderDashboard(input(extra));
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(lines.at(-1)).toContain('q quit');
  });

  it.each<[number, string, string]>([
    // 30 sessions on 80×24: 17 session rows and a line for the rest; the selected one in view.
    [0, 's0', '↓ 13 more'],
    [15, 's7', '↑ 7 more · ↓ 6 more'],
    [29, 's13', '↑ 13 more'],
    // A request selected: the sessions stay scrolled to the end, the request shows below.
    [30, 's13', '↑ 13 more'],
  ])('scrolls 30 sessions to keep row %i in view', (selected, firstShown, marker) => {
    const paint = (text: string, kind: string) => (kind === 'inverse' ? `[${text}]` : text);
    const requests = [{ id: 'auth-1', from: 'auth', owner: 'payments', path: 'x', reason: '' }];
    const lines = renderDashboard(input({ sessions: Array.from({ length: 30 }, (_, i) => session(`s${i}`)), requests, selected }), paint);
    expect(lines).toHaveLength(24);
    expect(lines[2]!.replace(/^\[/, '').split(' ')[0]).toBe(firstShown);
    expect(lines.find((l) => l.includes('more (↑↓ to scroll)'))).toContain(marker);
    expect(lines.filter((l) => l.startsWith('['))).toHaveLength(1);
    expect(lines.find((l) => l.startsWith('['))).toMatch(selected < 30 ? new RegExp(`^\\[s${selected} `) : /^\[auth-1/);
    expect(lines.some((l) => l.includes('more line(s)'))).toBe(false);
  });

  it('says what did not fit, and shows waiting since, grants, messages, requests', () => {
    const panel = Array.from({ length: 30 }, (_, i) => `panel line ${i}`);
    expect(renderDashboard(input({ panel })).at(-2)).toMatch(/… \d+ more line\(s\)/);
    const lines = renderDashboard(
      input({
        sessions: [
          session('auth', {
            state: 'waiting',
            since: '2026-11-23T09:05:00Z',
            owns: ['src/a/**'],
            granted: ['p/x.ts'],
            pendingMessages: 1,
            requests: { asked: 1, toAnswer: 0 },
          }),
        ],
        requests: [{ id: 'auth-1', from: 'auth', owner: 'payments', path: 'src/p/x.ts', reason: 'need it' }],
      }),
    );
    expect(lines[2]).toMatch(/^auth\s+waiting 09:05 src\/a\/\*\* \+p\/x\.ts\s+0\s+0\s+0\s+1\/0\s+clean\s+✉1$/);
    expect(lines).toContain('auth-1  auth → payments  src/p/x.ts  “need it”');
  });

  it('marks the selected row, a session first, then the requests', () => {
    const paint = (text: string, kind: string) => (kind === 'inverse' ? `[${text}]` : text);
    const requests = [{ id: 'auth-1', from: 'auth', owner: 'payments', path: 'x', reason: '' }];
    expect(renderDashboard(input({ selected: 1, requests }), paint).filter((l) => l.startsWith('['))).toHaveLength(1);
    expect(renderDashboard(input({ selected: 2, requests }), paint)).toContain('[auth-1  auth → payments  x]');
  });

  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['one too long', 11, 'one too lo…'],
  ])('cuts %j to %d columns', (text, width, expected) => {
    expect(cutTo(text, width)).toBe(expected);
  });
});
