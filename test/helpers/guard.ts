import { execa, type ResultPromise } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARX_BIN, waitFor } from './parx.js';

export interface GuardEventLine {
  type: string;
  session?: string;
  path?: string;
  kind?: string;
  owner?: string;
  change?: string;
  sessions?: string[];
  source?: string;
  [key: string]: unknown;
}

/** `parx guard --json` as a child process, with its events collected as they are printed. */
export interface RunningGuard {
  events: GuardEventLine[];
  process: ResultPromise;
  waitForEvent(what: string, match: (e: GuardEventLine) => boolean, timeoutMs?: number): Promise<GuardEventLine>;
  stop(): Promise<{ exitCode: number | undefined; stderr: string }>;
}

const running = new Set<ResultPromise>();

export function killGuards(): void {
  for (const p of running) p.kill('SIGKILL');
  running.clear();
}

export async function startGuard(cwd: string, env: Record<string, string> = {}): Promise<RunningGuard> {
  const child = execa(process.execPath, [PARX_BIN, 'guard', '--json'], { cwd, env, reject: false, stdin: 'ignore', buffer: { stdout: false, stderr: true } });
  running.add(child);
  const events: GuardEventLine[] = [];
  let rest = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as GuardEventLine);
  });
  const guard: RunningGuard = {
    events,
    process: child,
    waitForEvent: (what, match, timeoutMs = 15_000) => waitFor(what, () => events.find(match), timeoutMs),
    async stop() {
      child.kill('SIGTERM');
      const result = await child;
      running.delete(child);
      return { exitCode: result.exitCode, stderr: String(result.stderr ?? '') };
    },
  };
  await guard.waitForEvent('the guard to be ready', (e) => e.type === 'ready');
  return guard;
}

/**
 * Waits until the run's recording guard (the pane's) watches every session the run state lists,
 * or those named: `up` starts each agent as its worktree is ready and the guard takes the
 * sessions up as the state lists them, so a guard.json alone says only that the guard started.
 */
export async function waitForGuardToWatch(root: string, sessions?: readonly string[]): Promise<void> {
  const dir = join(root, '.git', 'parx');
  await waitFor('the recording guard to watch every session', () => {
    const health = readJson<{ pid: number; watching?: string[] }>(join(dir, 'guard.json'));
    const wanted = sessions ?? Object.keys(readJson<{ sessions: object }>(join(dir, 'state.json'))?.sessions ?? {});
    // The guard that holds the lock now, not one that wrote guard.json before it.
    const recorder = readJson<number>(join(dir, 'guard.pid'));
    return health && health.pid === recorder && health.watching && wanted.every((s) => health.watching!.includes(s)) ? true : undefined;
  });
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
