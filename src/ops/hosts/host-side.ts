import { homedir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { writeFileAtomically } from '../../adapters/untrusted-files.js';
import { ensureClone, fastForwardBase } from '../../adapters/git-hosts.js';
import { locateRepo } from '../../adapters/git.js';
import { isAncestor } from '../../adapters/git-merge.js';
import { getLiveSessions } from '../common/sessions.js';
import { getPackageVersion } from '../../package-root.js';
import { runUp } from '../up/up.js';
import { runStatus } from '../status.js';
import { runCheck } from '../check.js';
import { runDown } from '../down/down.js';
import { getStandingRefusals, inspectSessions } from '../down/inspect.js';
import { loadProject } from '../common/project.js';

/**
 * `parx host <verb>`: what a host does for the machine that drives it (docs/hosts.md). The
 * request comes as JSON on stdin (never on the command line, so no name, path or prompt passes
 * through a shell), the answer goes out as one JSON line. Each verb is an ordinary local parx
 * run in the host's clone: the same worktrees, sandbox, hooks and guard as on any machine.
 */

export interface HostRequest {
  dir: string;
  base?: string;
  /** The run's configuration for this host's sessions (core/hosts.ts getHostRunConfig). */
  config?: Record<string, unknown>;
  sessions?: string[];
  /** `events`: the byte offset of events.jsonl already relayed. */
  from?: number;
}

/** The file the driving machine's configuration is written to: in the clone's git folder, never its worktree. */
const HOST_CONFIG = 'parx-host.json';

export async function runHostVerb(verb: string, request: HostRequest): Promise<Record<string, unknown>> {
  const dir = expandHome(request.dir);
  // Every verb decides from the configuration the driving machine sent (kept past the run's end,
  // when the run state no longer holds it), never from a file of the clone's worktrees.
  const configPath = verb === 'version' || verb === 'prepare' ? undefined : join((await locateRepo(dir)).commonDir, HOST_CONFIG);
  const hostOptions = { cwd: dir, ...(configPath && existsSync(configPath) && { configPath }) };
  switch (verb) {
    case 'version':
      return { version: getPackageVersion() };
    case 'prepare': {
      const created = await ensureClone(dir, required(request.base, 'base'));
      return { version: getPackageVersion(), created };
    }
    case 'up': {
      await fastForwardBase(dir, required(request.base, 'base'));
      // Whole, and never through a link someone left at that path.
      await writeFileAtomically(configPath!, `${JSON.stringify(required(request.config, 'config'), null, 2)}\n`, 0o600);
      const result = await runUp({ cwd: dir, configPath: configPath!, sessions: request.sessions ?? [] });
      return { tmuxSession: result.tmuxSession, sessions: result.sessions };
    }
    case 'status': {
      const status = await runStatus(hostOptions);
      return { tmuxSession: status.tmuxSession, sessions: status.sessions };
    }
    case 'check': {
      const result = await runCheck({ ...hostOptions, sessions: request.sessions ?? [] });
      return { sessions: result.sessions };
    }
    case 'inspect': {
      const project = await loadProject(hostOptions);
      const names = request.sessions ?? [];
      const facts = await inspectSessions(project, project.state, names);
      return {
        sessions: names.map((name) => {
          const f = facts.get(name);
          if (!f) return { name, hasBranch: false, hasWorktree: false, tip: null, refusals: [] };
          return {
            name,
            hasBranch: f.live.hasBranch,
            hasWorktree: f.live.hasWorktree,
            tip: f.live.tip ?? null,
            refusals: getStandingRefusals(f, { commitWip: false, allowViolations: false }),
          };
        }),
      };
    }
    case 'land': {
      // The sessions are in base here now: `down` finds them there and cleans up by its own rules.
      // One with commits made since the driving machine fetched it is left alone: `down` here
      // would merge those into this clone's base, not the run's.
      const base = required(request.base, 'base');
      await fastForwardBase(dir, base);
      const project = await loadProject(hostOptions);
      const live = await getLiveSessions(
        project,
        project.state,
        project.config.sessions.filter((s) => (request.sessions ?? []).includes(s.name)),
      );
      const moved = await Promise.all(live.map(async (s) => s.tip !== undefined && !(await isAncestor(project.root, s.tip, `refs/heads/${base}`))));
      const held = live
        .filter((_, i) => moved[i])
        .map((s) => ({ name: s.name, outcome: { kind: 'refused', refusals: [{ kind: 'git', message: 'new commits since it was merged' }] } }));
      const landing = live.filter((_, i) => !moved[i]).map((s) => s.name);
      if (landing.length === 0) return { finished: false, sessions: held };
      const result = await runDown({ ...hostOptions, sessions: landing });
      await result.closeLast();
      return { finished: result.finished, sessions: [...held, ...result.sessions.map((s) => ({ name: s.name, outcome: s.outcome, cleanup: s.cleanup }))] };
    }
    case 'events': {
      const project = await loadProject(hostOptions);
      return readEventsFrom(project.files.eventsPath, request.from ?? 0);
    }
    default:
      throw new Error(`unknown host verb "${verb}"`);
  }
}

/** The whole lines of events.jsonl after byte `from` (at most 1 MiB of them), and where the next read starts. */
async function readEventsFrom(path: string, from: number): Promise<{ events: unknown[]; next: number }> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return { events: [], next: 0 };
  try {
    const size = (await file.stat()).size;
    const start = from <= size ? from : 0; // a new run's file is shorter: from its start
    const buffer = Buffer.alloc(Math.min(size - start, 1 << 20));
    const { bytesRead } = await file.read(buffer, 0, buffer.length, start);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    const events = text
      .slice(0, end)
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as unknown];
        } catch {
          return [];
        }
      });
    return { events, next: start + Buffer.byteLength(text.slice(0, end)) };
  } finally {
    await file.close();
  }
}

/** A `~/…` dir of the configuration, in this host's home. */
export function expandHome(dir: string): string {
  return dir === '~' ? homedir() : dir.startsWith('~/') ? join(homedir(), dir.slice(2)) : dir;
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the request has no ${name}`);
  return value;
}
