import { HOOK_EVENTS, runHook, type HookEvent } from '../ops/hook.js';

/**
 * Entry point of `parx hook <event>`, bundled on its own (dist/hook.js) and dispatched to by
 * bin/parx.js before the full CLI loads: an agent waits for it on every file write. Reads the
 * hook payload (JSON) from stdin, exits 0 (allow), 2 (deny, reason on stderr) or 1 (a
 * non-blocking error: parx failed, the agent goes on and the guard remains the backstop).
 */
export async function hookMain(args: readonly string[]): Promise<void> {
  const event = args[0];
  if (!HOOK_EVENTS.includes(event as HookEvent)) {
    process.stderr.write(`parx hook: unknown event "${event ?? ''}"; expected one of ${HOOK_EVENTS.join(', ')}\n`);
    process.exit(1);
  }
  try {
    const text = process.stdin.isTTY ? '' : await readStdin();
    const payload = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
    const outcome = await runHook(event as HookEvent, { payload, cwd: process.cwd(), env: process.env });
    if (outcome.message) process.stderr.write(`${outcome.message}\n`);
    process.exit(outcome.exitCode);
  } catch (error) {
    process.stderr.write(`parx hook ${event}: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
