import { describe, expect, it } from 'vitest';
import { cutTo, renderDashboard, type DashboardInput, type DashboardSession } from '../../src/core/dashboard.js';

const session = (name: string, extra: Partial<DashboardSession> = {}): DashboardSession => ({
  name, state: 'working', since: null, owns: [`src/${name}/**`], granted: [], ahead: 0, changed: 0, violations: 0, requests: { asked: 0, toAnswer: 0 }, pendingMessages: 0, merge: 'clean', ...extra,
});
const input = (extra: Partial<DashboardInput> = {}): DashboardInput => ({
  base: 'main', sessions: [session('auth'), session('payments')], requests: [], forecast: [], selected: 0, panel: [], updated: '2026-11-23T10:11:12Z', width: 80, height: 24, ...extra,
});

describe('renderDashboard', () => {
  it.each<[string, Partial<DashboardInput>]>([
    ['two sessions', {}],
    ['long names, globs and reasons', { sessions: [session('a-very-long-session-name', { owns: ['src/deeply/nested/folder/**', 'test/**'], granted: ['src/x/y.ts'], pendingMessages: 2 })], requests: [{ id: 'a-1', from: 'a', owner: 'b', path: 'src/b/'.repeat(20), reason: 'why '.repeat(40) }] }],
    ['thirty sessions', { sessions: Array.from({ length: 30 }, (_, i) => session(`s${i}`)) }],
    ['a conflict forecast and a panel', { forecast: [{ sessions: ['auth', 'payments'], files: ['src/shared/db.ts'] }], panel: ['check auth: 1 violation(s)', '  src/payments/x.ts'] }],
  ])('fits 80×24: %s', (_, extra) => {
    const lines = renderDashboard(input(extra));
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(lines.at(-1)).toContain('q quit');
  });

  it('says what did not fit, and shows waiting since, grants, messages, requests', () => {
    expect(renderDashboard(input({ sessions: Array.from({ length: 30 }, (_, i) => session(`s${i}`)) })).at(-2)).toMatch(/… \d+ more line\(s\)/);
    const lines = renderDashboard(input({ sessions: [session('auth', { state: 'waiting', since: '2026-11-23T09:05:00Z', owns: ['src/a/**'], granted: ['p/x.ts'], pendingMessages: 1, requests: { asked: 1, toAnswer: 0 } })], requests: [{ id: 'auth-1', from: 'auth', owner: 'payments', path: 'src/p/x.ts', reason: 'need it' }] }));
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
