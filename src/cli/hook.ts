import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { HOOK_EVENTS, runHook, type HookEvent } from '../ops/hook/hook.js';

/**
 * Entry point of `parx hook <event>`, bundled on its own (dist/hook.js) and dispatched to by
 * bin/parx.js before the full CLI loads: an agent waits for it on every file write. Reads the
 * hook payload (JSON) from stdin, exits 0 (allow), 2 (deny, reason on stderr) or 1 (a
 * non-blocking error: parx failed, the agent goes on and the guard remains the backstop).
 */
export async function hookMain(args: readonly string[]): Promise<void> {
  const event = args[0];
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at > 0 ? args[at + 1] : undefined;
  };
  if (!HOOK_EVENTS.includes(event as HookEvent)) {
    process.stderr.write(`parx hook: unknown event "${event ?? ''}"; expected one of ${HOOK_EVENTS.join(', ')}\n`);
    process.exit(1);
  }
  try {
    const text = readStdin();
    let payload: unknown = {};
    let payloadError: string | undefined;
    try {
      payload = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
    } catch (error) {
      payloadError = (error as Error).message;
    }
    const outcome = await runHook(event as HookEvent, {
      payload,
      cwd: process.cwd(),
      env: process.env,
      commonDir: option('--common-dir'),
      session: option('--session'),
      agent: option('--agent'),
      ...(payloadError !== undefined && { payloadError }),
    });
    if (outcome.reply) process.stdout.write(`${outcome.reply.stdout}\n`);
    if (outcome.message) process.stderr.write(`${outcome.message}\n`);
    process.exit(outcome.exitCode);
  } catch (error) {
    process.stderr.write(`parx hook ${event}: ${(error as Error).message}\n`);
    // A write parx could not judge is denied (2); for the other events, a non-blocking error.
    process.exit(event === 'check-write' ? 2 : 1);
  }
}

/**
 * The payload, read synchronously from fd 0: touching `process.stdin` would load the stream
 * machinery, a few ms of the hook's budget. A terminal (a human trying it) gives no payload.
 */
function readStdin(): string {
  return isatty(0) ? '' : readFileSync(0, 'utf8');
}
