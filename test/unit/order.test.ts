import { describe, expect, it } from 'vitest';
import { findDependencyCycle, getDependencyOrder, getDependents, getWithDependencies } from '../../src/core/order.js';

const s = (name: string, ...after: string[]) => ({ name, after });

describe('getDependencyOrder', () => {
  it.each([
    [
      [s('a'), s('b'), s('c')],
      ['a', 'b', 'c'],
    ],
    [
      [s('b', 'a'), s('a')],
      ['a', 'b'],
    ],
    // Sessions with no dependencies first, in config order; then dependents as they are freed.
    [
      [s('auth'), s('payments', 'auth'), s('web')],
      ['auth', 'web', 'payments'],
    ],
    [
      [s('d', 'b', 'c'), s('c', 'a'), s('b', 'a'), s('a')],
      ['a', 'c', 'b', 'd'],
    ],
    [
      [s('x', 'outside-of-list'), s('y')],
      ['x', 'y'],
    ],
  ])('orders %j', (sessions, expected) => {
    expect(getDependencyOrder(sessions)).toEqual(expected);
  });

  it('puts every session after all it names', () => {
    const sessions = [s('e', 'd'), s('d', 'a', 'c'), s('c', 'b'), s('b'), s('a')];
    const order = getDependencyOrder(sessions);
    for (const { name, after } of sessions) {
      for (const dep of after) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(name));
    }
  });

  it('throws on a cycle', () => {
    expect(() => getDependencyOrder([s('a', 'b'), s('b', 'a')])).toThrow(/cycle/);
  });
});

describe('findDependencyCycle', () => {
  it('returns undefined for a DAG and a closed walk for a cycle', () => {
    expect(findDependencyCycle([s('a'), s('b', 'a')])).toBeUndefined();
    expect(findDependencyCycle([s('a', 'c'), s('b', 'a'), s('c', 'b')])).toEqual(['a', 'c', 'b', 'a']);
    expect(findDependencyCycle([s('a', 'a')])).toEqual(['a', 'a']);
  });
});

describe('getWithDependencies and getDependents', () => {
  const sessions = [s('lib'), s('api', 'lib'), s('app', 'api'), s('docs')];
  it.each([
    [['app'], ['lib', 'api', 'app']],
    [['docs'], ['docs']],
    [
      ['api', 'docs'],
      ['lib', 'api', 'docs'],
    ],
    [[], []],
  ])('%j with what it merges after is %j', (names, expected) => {
    expect(getWithDependencies(sessions, names)).toEqual(expected);
  });
  it.each([
    ['lib', ['api', 'app']],
    ['api', ['app']],
    ['docs', []],
  ])('what merges after %s: %j', (name, expected) => {
    expect(getDependents(sessions, name)).toEqual(expected);
  });
});
