import type { z } from 'zod/mini';
import type { ConfigProblem } from './errors.js';

/** Turns zod issues and unknown keys into problems that say what was expected, in words. */

export function formatKeyPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
}

export function describeIssue(issue: z.core.$ZodIssue): ConfigProblem[] {
  const keyPath = formatKeyPath(issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return [
        {
          keyPath,
          message:
            issue.input === undefined
              ? `required; expected ${article(issue.expected)}`
              : `expected ${article(issue.expected)}, got ${describeValue(issue.input)}`,
        },
      ];
    case 'invalid_value':
      return [{ keyPath, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input)}` }];
    case 'invalid_union':
      return [{ keyPath, message: `expected a string, number or boolean, got ${describeValue(issue.input)}` }];
    case 'too_small':
      if (issue.origin === 'array') {
        return [{ keyPath, message: `expected at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}` }];
      }
      if (issue.origin === 'string') return [{ keyPath, message: 'expected a non-empty string' }];
      return [{ keyPath, message: `expected a number ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}` }];
    case 'too_big':
      return [{ keyPath, message: `expected a number ≤ ${String(issue.maximum)}` }];
    default:
      return [{ keyPath, message: issue.message }];
  }
}

export function describeUnknownKey(key: string, allowed: string[]): string {
  const close = allowed.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  if (close) return `unknown key; did you mean "${close}"?`;
  return allowed.length > 0 ? `unknown key; expected one of: ${allowed.join(', ')}` : 'unknown key';
}

function article(expected: string): string {
  const names: Record<string, string> = {
    array: 'a list',
    object: 'a map',
    record: 'a map',
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
  };
  return names[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${value}`;
  // What is left (undefined, a symbol, a function) does not come out of a config file's parser.
  return typeof value;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
