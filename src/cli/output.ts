/**
 * The CLI's only way to the terminal. Colour only on a TTY (not TERM=dumb), never with
 * NO_COLOR (https://no-color.org: any non-empty value); FORCE_COLOR overrides both, as in Node
 * and most CLIs: `0`/`false` turns colour off, any other value on (through a pipe too).
 */

import { escapeControlChars } from '../core/safe-text.js';

/** File names and agent text, escaped for the terminal (see core/safe-text.ts). */
export const safe = escapeControlChars;

export function shouldColor(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

const useColor = (stream: NodeJS.WriteStream) => shouldColor(process.env, Boolean(stream.isTTY));

const paint = (code: string) => (text: string) => (useColor(process.stdout) ? `\x1b[${code}m${text}\x1b[0m` : text);

export const style = {
  bold: paint('1'),
  dim: paint('2'),
  red: paint('31'),
  green: paint('32'),
  yellow: paint('33'),
  cyan: paint('36'),
};

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function printError(line: string): void {
  const text = useColor(process.stderr) ? `\x1b[31m${line}\x1b[0m` : line;
  process.stderr.write(`${text}\n`);
}

/** The note a command prints when the config file changed since `parx up` (see ops/common/project.ts). */
export function printConfigNotice(notice: string | undefined): void {
  if (notice) process.stderr.write(`parx: note: ${notice}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Left-aligned columns; `widths` are computed from the cells (colour codes excluded). */
export function table(rows: string[][]): string[] {
  // eslint-disable-next-line no-control-regex -- colour escapes are what it strips
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => visible(r[i] ?? '')))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visible(cell))))
      .join('  ')
      .trimEnd(),
  );
}
