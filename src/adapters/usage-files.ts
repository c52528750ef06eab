import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  addClaudeLines,
  addCodexLines,
  addGeminiLines,
  emptyUsage,
  getCodexRolloutCwd,
  getCursorUsage,
  sumUsage,
  takeCompleteLines,
  type Usage,
  type UsageCursor,
} from '../core/usage.js';
import { readUntrustedBytes, readUntrustedJson, writeFileAtomically } from './untrusted-files.js';

/**
 * Where each agent records what it used, and reading it incrementally. The files are the
 * agents' own, written from inside sessions' sandboxes: read without following links or waiting,
 * from the offset parx reached last time (kept in `<run>/usage/<session>.json`, parx's own).
 *
 *   Claude Code  `$CLAUDE_CONFIG_DIR` or `~/.claude`, `projects/<worktree path, every character
 *                but letters and digits made "-">/*.jsonl`: every transcript of that worktree.
 *   Codex        `$CODEX_HOME` or `~/.codex`, `sessions/YYYY/MM/DD/rollout-*.jsonl` whose first
 *                line (`session_meta`) names the worktree as its `cwd`.
 *   Gemini CLI   the session's own Gemini home (`<run>/gemini/<session>`), `.gemini/tmp/<project>/
 *                chats/**.jsonl` (its chat records, since 0.61 appended line by line).
 */

/** Read this much of a file at a time (a 50 MB transcript in a few reads, never all of it in memory). */
const CHUNK_BYTES = 16 * 1024 * 1024;

interface UsageCache {
  cursors: UsageCursor[];
  /** Codex rollouts already looked at that belong to another folder. */
  foreign: string[];
}

export function getClaudeProjectDir(worktree: string, env: NodeJS.ProcessEnv = process.env): string {
  const config = env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), '.claude');
  return join(config, 'projects', worktree.replace(/[^A-Za-z0-9]/g, '-'));
}

export function getCodexSessionsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.CODEX_HOME || join(env.HOME || homedir(), '.codex'), 'sessions');
}

export class UsageReader {
  constructor(private readonly runDir: string) {}

  private cachePath(session: string): string {
    return join(this.runDir, 'usage', `${session}.json`);
  }

  /** The session's usage by its agent's own files now; null when the agent records none parx reads. */
  async read(session: string, worktree: string, kind: string, since: number): Promise<Usage | null> {
    if (kind !== 'claude' && kind !== 'codex' && kind !== 'gemini') return null;
    const cache = await this.readCache(session);
    const files =
      kind === 'claude'
        ? await listClaudeTranscripts(worktree)
        : kind === 'codex'
          ? await findCodexRollouts(worktree, since, cache)
          : await listGeminiChats(join(this.runDir, 'gemini', session), worktree);
    let changed = false;
    for (const file of files) {
      let cursor = cache.cursors.find((c) => c.file === file);
      if (!cursor) {
        cursor = { file, offset: 0, usage: emptyUsage(SOURCES[kind]) };
        cache.cursors.push(cursor);
      }
      const next = await advance(cursor, kind);
      if (next !== cursor) {
        cache.cursors[cache.cursors.indexOf(cursor)] = next;
        changed = true;
      }
    }
    if (changed || files.length !== cache.cursors.length) await this.writeCache(session, cache);
    return sumUsage(cache.cursors.map(getCursorUsage), SOURCES[kind]);
  }

  private async readCache(session: string): Promise<UsageCache> {
    try {
      return JSON.parse(await readFile(this.cachePath(session), 'utf8')) as UsageCache;
    } catch {
      return { cursors: [], foreign: [] };
    }
  }

  private async writeCache(session: string, cache: UsageCache): Promise<void> {
    await mkdir(join(this.runDir, 'usage'), { recursive: true });
    await writeFileAtomically(this.cachePath(session), JSON.stringify(cache));
  }
}

const SOURCES = { claude: 'claude-transcript', codex: 'codex-rollout', gemini: 'gemini-chat' } as const;
const ADD = { claude: addClaudeLines, codex: addCodexLines, gemini: addGeminiLines } as const;

/** Reads what was added to the file since the cursor, a chunk at a time; the same cursor when nothing was. */
async function advance(cursor: UsageCursor, kind: keyof typeof ADD): Promise<UsageCursor> {
  let current = cursor;
  for (;;) {
    const size = await stat(current.file)
      .then((s) => s.size)
      .catch(() => undefined);
    if (size === undefined || size <= current.offset) return current;
    const bytes = await readUntrustedBytes(current.file, CHUNK_BYTES, current.offset);
    if (!bytes || bytes.length === 0) return current;
    const { lines, bytes: used } = takeCompleteLines(bytes.toString('utf8'));
    // A line longer than a chunk, or one still being written: wait for more.
    if (used === 0) return current;
    const next = ADD[kind](current, lines);
    current = { ...next, offset: current.offset + used };
  }
}

/**
 * A Gemini session's chat records, in the session's own Gemini home (`<run>/gemini/<session>`):
 * `.gemini/projects.json` names the worktree's project folder under `.gemini/tmp/` (a plain name,
 * or nothing is read: the file is the session's to write), whose `chats/` holds its records
 * (subagents' in folders below).
 */
async function listGeminiChats(home: string, worktree: string): Promise<string[]> {
  const registry = (await readUntrustedJson<{ projects?: Record<string, unknown> }>(join(home, '.gemini', 'projects.json'))) ?? {};
  const slug = registry.projects?.[worktree];
  if (typeof slug !== 'string' || !/^[A-Za-z0-9._-]+$/.test(slug) || slug === '.' || slug === '..') return [];
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory() && depth < 2) await walk(join(dir, entry.name), depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.jsonl')) found.push(join(dir, entry.name));
    }
  };
  await walk(join(home, '.gemini', 'tmp', slug, 'chats'), 0);
  return found;
}

async function listClaudeTranscripts(worktree: string): Promise<string[]> {
  const dir = getClaudeProjectDir(worktree);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.jsonl')).map((n) => join(dir, n));
}

/** The rollouts of Codex threads started in `worktree` since `since` (ms): the date folders from then on. */
async function findCodexRollouts(worktree: string, since: number, cache: UsageCache): Promise<string[]> {
  const root = getCodexSessionsDir();
  const mine = cache.cursors.map((c) => c.file);
  const days: string[] = [];
  for (let t = new Date(since - 86_400_000).setUTCHours(0, 0, 0, 0); t <= Date.now() + 86_400_000; t += 86_400_000) {
    const d = new Date(t);
    days.push(join(root, String(d.getUTCFullYear()), String(d.getUTCMonth() + 1).padStart(2, '0'), String(d.getUTCDate()).padStart(2, '0')));
  }
  const found = [...mine];
  for (const day of [...new Set(days)]) {
    for (const name of await readdir(day).catch(() => [] as string[])) {
      const file = join(day, name);
      if (!name.startsWith('rollout-') || !name.endsWith('.jsonl') || found.includes(file) || cache.foreign.includes(file)) continue;
      const head = (await readUntrustedBytes(file, 64 * 1024))?.toString('utf8').split('\n')[0] ?? '';
      const cwd = getCodexRolloutCwd(head);
      if (cwd === undefined) continue; // not written yet: look again next time
      if (cwd === worktree) found.push(file);
      else cache.foreign.push(file);
    }
  }
  return found;
}
