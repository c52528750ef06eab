import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

/** The built executable, as a user runs it (`npm test` builds first). */
export const PARX_BIN = fileURLToPath(new URL('../../bin/parx.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runParx(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [PARX_BIN, ...args], { cwd, env, reject: false, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
