import { existsSync } from 'node:fs';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { getSessionObjectsDir } from '../../adapters/session-objects.js';
import { removeScratchWorktree } from '../../adapters/scratch-worktree.js';
import { hasSession, killSession } from '../../adapters/tmux.js';
import { endProcessGroups, killPane, listPanePids, listPanes, type PaneInfo } from '../../adapters/tmux-panes.js';
import type { RunState } from '../../core/run-state.js';
import type { Project } from './project.js';

/**
 * How a session leaves the run (`down` once it landed, `abandon`), and how the run ends once no
 * session is left: its panes closed, its files of the run removed, and with the last one, the
 * run's own folders and the tmux session. Shared by ops/down/cleanup.ts and ops/abandon.ts.
 */

/** What a session's files of the run are, besides its worktree and branch. */
export function getSessionRunFiles(project: Project, session: string): string[] {
  const { files } = project;
  return [
    files.agentDir(session),
    files.inboxPath(session),
    files.notesPath(session),
    files.inferredStatePath(session),
    files.geminiHome(session),
    getSessionObjectsDir(project.commonDir, session),
    // Its verdicts speak of commits that have landed or are kept under a backup ref now.
    join(files.dir, 'reviews', `${session}.jsonl`),
    join(files.dir, 'reviews', `${session}.shown`),
    join(files.dir, 'recover', `${session}.json`),
    join(files.dir, 'usage', `${session}.json`),
    join(files.dir, 'budget', `${session}.json`),
  ];
}

export async function removeSessionRunFiles(project: Project, session: string): Promise<void> {
  await Promise.all(getSessionRunFiles(project, session).map((path) => rm(path, { recursive: true, force: true })));
}

/** The folders and files of the run that go with it once no session is left (state.json stays: it says what landed). */
const RUN_ONLY = [
  'reviews',
  'recover',
  'resolve',
  'usage',
  'budget',
  'prompts',
  'hooks',
  'agents',
  'syncs',
  'inbox',
  'notes',
  'states',
  'gemini',
  'objects',
  'objects-shared',
  'sandbox',
  'tmp',
  'verified.json',
];

/** The run is over: its integration, prompts, hook settings and agents' files go; `state.sessions` empties. */
export async function endRun(project: Project, state: RunState): Promise<void> {
  await removeIntegration(project);
  // parx's other checkouts: the resolve scratch, and reviewers' rooms a killed review left.
  const rooms = join(project.files.dir, 'reviews', 'rooms');
  const checkouts = [join(project.files.dir, 'resolve', 'tree'), ...(await readdir(rooms).catch(() => [])).map((room) => join(rooms, room, 'checkout'))];
  for (const checkout of checkouts) if (existsSync(checkout)) await removeScratchWorktree(project.root, checkout);
  for (const name of RUN_ONLY) await rm(join(project.files.dir, name), { recursive: true, force: true });
  await rmdir(project.worktreeDir).catch(() => {}); // only when empty
  state.sessions = {};
}

/** The integration scratch worktree and results: parx's own, gone with the run (unless an integrate runs right now). */
async function removeIntegration(project: Project): Promise<void> {
  const lock = await project.files.acquireIntegrateLock();
  if ('holder' in lock) return;
  try {
    await removeScratchWorktree(project.root, project.files.scratchWorktree);
  } finally {
    await lock.release();
  }
  await rm(project.files.integrateDir, { recursive: true, force: true });
}

/**
 * Closes the run's panes, the pane this process runs in last (`parx down` typed into a pane of
 * the run): its own is only closed by `closeLast`, after the summary is printed, or closing it
 * would kill this process mid-report. Agents that ignore SIGHUP (Gemini CLI) would outlive their
 * panes: their process groups are ended too.
 */
export class PaneCloser {
  private readonly deferred: string[] = [];
  /** pids of the programs of the panes closed, ended at the end if they outlive their panes. */
  private readonly closed: Array<number | undefined> = [];
  private readonly ownPane = process.env.TMUX_PANE;
  private closeAtLast: (() => Promise<void>) | undefined;

  private constructor(
    private readonly tmuxSession: string,
    private readonly panes: readonly PaneInfo[],
  ) {}

  static async open(tmuxSession: string): Promise<PaneCloser> {
    return new PaneCloser(tmuxSession, tmuxSession && (await hasSession(tmuxSession)) ? await listPanes(tmuxSession) : []);
  }

  /** Closes a session's pane; returns whether it had one. */
  async closeSession(session: string): Promise<boolean> {
    const panes = this.panes.filter((p) => p.session === session);
    for (const pane of panes) {
      if (pane.paneId === this.ownPane) this.deferred.push(pane.paneId);
      else this.closed.push(await killPane(pane.paneId));
    }
    return panes.length > 0;
  }

  /**
   * The run is over: closes what parx opened. The whole tmux session only if nothing else lives
   * in it; a window or pane the user opened there stays, with its session.
   */
  async closeRun(): Promise<void> {
    const closing = this.tmuxSession ? await listPanes(this.tmuxSession).catch(() => []) : [];
    const userPanes = closing.filter((p) => !p.session && !p.role);
    const ours = closing
      .filter((p) => p.session || p.role)
      .map((p) => p.paneId)
      .sort((a, b) => Number(a === this.ownPane) - Number(b === this.ownPane));
    const close = async () => {
      if (userPanes.length === 0) {
        this.closed.push(...(await listPanePids(this.tmuxSession)));
        await killSession(this.tmuxSession);
      } else for (const pane of ours) this.closed.push(await killPane(pane));
    };
    if (ours.includes(this.ownPane ?? '') || this.deferred.length > 0) this.closeAtLast = close;
    else await close();
  }

  /** Ends what outlived its pane. */
  async endStragglers(): Promise<void> {
    await endProcessGroups(this.closed.filter((p): p is number => p !== undefined));
  }

  /** What must wait until the caller has reported: its own pane, or the whole run it runs in. */
  async closeLast(): Promise<void> {
    if (this.closeAtLast) await this.closeAtLast();
    else for (const pane of this.deferred) await killPane(pane);
  }
}
