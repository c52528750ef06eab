import { describe, expect, it } from 'vitest';
import { getDefaultPanesPerWindow, nameWindow, planWindows, resolveLayout, type ExistingWindow } from '../../src/core/pane-layout.js';

const names = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `s${from + i}`);
/** A plan in short: each window as "new:" or "<id>:" then what it gains, then its name. */
const brief = (request: Parameters<typeof planWindows>[0]) =>
  planWindows(request).map(
    (w) => `${'id' in w.window ? w.window.id : 'new'}: ${w.add.map((a) => a.session).join(' ')} = ${w.name}${w.rename ? ' (renamed)' : ''}`,
  );

describe('planWindows', () => {
  it.each<[string, Parameters<typeof planWindows>[0], string[]]>([
    [
      'a first up that fits one window: sessions, then the guard, together',
      { existing: [], missing: names(3), guardMissing: true, panesPerWindow: 6 },
      ['new: s0 s1 s2 guard = s0,s1,s2'],
    ],
    [
      'exactly a window full still shares it with the guard',
      { existing: [], missing: names(6), guardMissing: true, panesPerWindow: 6 },
      ['new: s0 s1 s2 s3 s4 s5 guard = s0,s1,s2,s3,s4,s5'],
    ],
    [
      'more than a window: the guard first in its own window, then full windows',
      { existing: [], missing: names(13), guardMissing: true, panesPerWindow: 6 },
      ['new: guard = guard', 'new: s0 s1 s2 s3 s4 s5 = s0,s1,s2,s3,s4,s5', 'new: s6 s7 s8 s9 s10 s11 = s6,s7,s8,s9,s10,s11', 'new: s12 = s12'],
    ],
    [
      'added sessions fill the last window that has room, then new ones; nothing moves',
      {
        existing: [
          { id: '@1', sessions: [], guard: true },
          { id: '@2', sessions: names(6), guard: false },
          { id: '@3', sessions: ['s6'], guard: false },
        ],
        missing: names(7, 7),
        guardMissing: false,
        panesPerWindow: 6,
      },
      ['@3: s7 s8 s9 s10 s11 = s6,s7,s8,s9,s10,s11 (renamed)', 'new: s12 s13 = s12,s13'],
    ],
    [
      'a single shared window that grows beyond its size spills into new windows; the guard stays',
      { existing: [{ id: '@1', sessions: names(2), guard: true }], missing: names(3, 2), guardMissing: false, panesPerWindow: 3 },
      ['@1: s2 = s0,s1,s2 (renamed)', 'new: s3 s4 = s3,s4'],
    ],
    [
      'a closed pane comes back into the window with room',
      { existing: [{ id: '@1', sessions: ['s0', 's2'], guard: true }], missing: ['s1'], guardMissing: false, panesPerWindow: 6 },
      ['@1: s1 = s0,s2,s1 (renamed)'],
    ],
    [
      'a closed guard pane of a multi-window run gets a window of its own',
      {
        existing: [
          { id: '@2', sessions: names(2), guard: false },
          { id: '@3', sessions: names(2, 2), guard: false },
        ],
        missing: [],
        guardMissing: true,
        panesPerWindow: 2,
      },
      ['new: guard = guard'],
    ],
    ['nothing missing: nothing to do', { existing: [{ id: '@1', sessions: ['s0'], guard: true }], missing: [], guardMissing: false, panesPerWindow: 6 }, []],
  ])('%s', (_title, request, expected) => {
    expect(brief(request)).toEqual(expected);
  });

  it('puts 30 sessions in windows of at most 6, each session exactly once, in config order', () => {
    const plan = planWindows({ existing: [], missing: names(30), guardMissing: true, panesPerWindow: 6 });
    const sessions = plan.flatMap((w) => w.add.filter((a) => !a.guard).map((a) => a.session));
    expect(sessions).toEqual(names(30));
    expect(plan.map((w) => w.add.length)).toEqual([1, 6, 6, 6, 6, 6]);
  });

  it('never plans a pane into a window that exists already beyond the size', () => {
    const existing: ExistingWindow[] = [{ id: '@1', sessions: names(8), guard: true }];
    expect(brief({ existing, missing: ['s8'], guardMissing: false, panesPerWindow: 6 })).toEqual(['new: s8 = s8']);
  });
});

describe('nameWindow', () => {
  it.each([
    [['api'], 'api'],
    [['api', 'web', 'db'], 'api,web,db'],
    [['authentication', 'payments', 'frontend'], 'authentication…frontend'],
    [[], 'guard'],
  ])('%j → %s', (sessions, name) => {
    expect(nameWindow(sessions)).toBe(name);
  });
});

describe('getDefaultPanesPerWindow', () => {
  it.each([
    [240, 70, 6],
    [80, 24, 2],
    [160, 48, 4],
    [400, 100, 9],
    [20, 10, 2],
  ])('%i×%i → %i', (columns, rows, per) => {
    expect(getDefaultPanesPerWindow(columns, rows)).toBe(per);
  });
});

describe('resolveLayout', () => {
  it.each<[Parameters<typeof resolveLayout>[0], Parameters<typeof resolveLayout>[1], ReturnType<typeof resolveLayout>]>([
    ['tiled', undefined, { preset: 'tiled', panesPerWindow: 6 }],
    ['even-vertical', { columns: 80, rows: 24 }, { preset: 'even-vertical', panesPerWindow: 2 }],
    [
      { preset: 'tiled', panesPerWindow: 3 },
      { columns: 400, rows: 100 },
      { preset: 'tiled', panesPerWindow: 3 },
    ],
    [{ preset: 'main-vertical' }, { columns: 160, rows: 48 }, { preset: 'main-vertical', panesPerWindow: 4 }],
  ])('%j on %j', (layout, terminal, expected) => {
    expect(resolveLayout(layout, terminal)).toEqual(expected);
  });
});
