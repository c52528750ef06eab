import { attachOrSwitch } from '../../adapters/tmux.js';
import { isKnownError, RefusedError } from '../../core/errors.js';
import { expandHome, runHostVerb, type HostRequest } from '../../ops/hosts/host-side.js';
import { loadProject } from '../../ops/common/project.js';
import { printError } from '../output.js';

/**
 * `parx host <verb>` (hidden): run by another machine's parx over ssh (docs/hosts.md). The request
 * is JSON on stdin, the answer one JSON line on stdout: `{"ok": true, …}` or `{"ok": false, "error"}`.
 */
export async function hostCommand(verb: string, dir: string | undefined): Promise<number> {
  if (verb === 'attach') return attach(dir);
  let answer: Record<string, unknown>;
  try {
    const request = JSON.parse(await readStdin()) as HostRequest;
    answer = { ok: true, ...(await runHostVerb(verb, request)) };
  } catch (error) {
    const details = error instanceof RefusedError && error.details.length > 0 ? `\n${error.details.join('\n')}` : '';
    answer = { ok: false, error: `${(error as Error).message}${details}`, known: isKnownError(error) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
  return answer.ok ? 0 : 1;
}

/** The pane of a hosted session shows the host's run: its tmux session, attached with this terminal. */
async function attach(dir: string | undefined): Promise<number> {
  if (!dir) {
    printError('parx: host attach needs the clone folder');
    return 2;
  }
  const project = await loadProject({ cwd: expandHome(dir) });
  const session = project.state?.tmuxSession;
  if (!session) {
    printError(`parx: no parx run in ${dir}`);
    return 1;
  }
  return (await attachOrSwitch(session, false)) ? 0 : 1;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
