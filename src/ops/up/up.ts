import { join } from 'node:path';
import { getConfigDigest } from '../../adapters/config-file.js';
import { findExecutable } from '../../adapters/files.js';
import { getCommit, getExcludesFile } from '../../adapters/git.js';
import { startHostedSessions, type HostedStart, type HostsStarted } from '../hosts/start.js';
import { getTmuxSocketPath, verifyTmux } from '../../adapters/tmux.js';
import { getAgentProgram } from '../../core/agent-command.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { resolveLayout, type TerminalSize } from '../../core/pane-layout.js';
import { RefusedError, UsageError } from '../../core/errors.js';
import type { DownState, RunState } from '../../core/run-state.js';
import type { WorktreeAction } from '../../core/worktree-plan.js';
import { planLaunch, type SessionLaunch } from '../../core/launch-plan.js';
import { getParxArgv } from '../../package-root.js';
import { mapOwnership } from '../plan.js';
import { readPromptTemplate, renderSessionPrompt } from '../common/prompts.js';
import { awaitAll } from '../common/await-all.js';
import { getTmuxSessionName, loadProject, withRunLock, type Project, type ProjectOptions } from '../common/project.js';
import { selectSessions } from '../common/sessions.js';
import { checkTmuxSession, closePlaceholders, openGrid, type OpenGrid } from './panes.js';
import { Launcher, type Launch } from './launcher.js';
import { recordSession, type RecordContext } from './session-record.js';
import type { UpProgress } from './types.js';

export type { UpProgress } from './types.js';
import { getAgentHookArgs, getGitSources, writeHookPolicy } from './agent-hooks.js';
import { getCommitGateDir, writeCommitGate } from './commit-gate.js';
import { planSessionWorktrees, prepareWorktrees } from './worktrees.js';
import { describeUnprepared } from './unprepared.js';
import { decideSandbox, prepareSessionSandbox, readIgnoreRules, type SandboxContext } from '../common/sandbox.js';

export interface UpOptions extends ProjectOptions {
  /** Limit to these sessions (default: all). */
  sessions?: string[];
  /** Restart panes whose program has exited. */
  respawn?: boolean;
  /** The terminal the user will attach with, if `up` runs in one: it sizes the default layout. */
  terminal?: TerminalSize | undefined;
  onProgress?: (event: UpProgress) => void;
}

export interface UpResult {
  tmuxSession: string;
  base: string;
  /** `host`: where a hosted session runs (its worktree is there). */
  sessions: Array<{ name: string; branch: string; worktree: string; pane: string; host?: string }>;
}

/** `parx up`: worktrees, prompts, a tmux grid and the run state. Safe to run again. */
export async function runUp(options: UpOptions = {}): Promise<UpResult> {
  // Everything that can refuse does so before anything is created; independent checks at once.
  // `up` is how a changed config is applied: it always reads the main worktree's file.
  const [project] = await awaitAll([loadProject({ ...options, fresh: true }), verifyTmux()] as const);
  return withRunLock(project, 'up', async () => startRun(project, options, await planRun(project, options)));
}

/** `parx up --dry-run`: what `up` would create and start, refused for the same reasons; nothing changes. */
export async function planUp(options: UpOptions = {}): Promise<UpPlan> {
  const [project] = await awaitAll([loadProject({ ...options, fresh: true }), verifyTmux()] as const);
  const { launches, layout, hosted } = await planRun(project, options);
  return {
    tmuxSession: getTmuxSessionName(project),
    base: project.base,
    worktreeDir: project.worktreeDir,
    layout,
    sessions: launches,
    hosted: hosted.map((s) => ({ session: s.name, host: s.host!, ssh: project.config.hosts[s.host!]!.ssh, dir: project.config.hosts[s.host!]!.dir })),
  };
}

export interface UpPlan {
  tmuxSession: string;
  base: string;
  worktreeDir: string;
  layout: { preset: string; panesPerWindow: number };
  sessions: SessionLaunch[];
  /** Sessions the hosts start (their own `up` plans their launch there). */
  hosted: Array<{ session: string; host: string; ssh: string; dir: string }>;
}

/** The facts `up` gathers and the launch it plans from them; acting on it is startRun's. */
interface RunPlan {
  selected: SessionConfig[];
  /** The selected sessions that run on other hosts (ops/hosts/start.ts starts them). */
  hosted: SessionConfig[];
  previous: RunState | undefined;
  launches: SessionLaunch[];
  layout: { preset: string; panesPerWindow: number };
  excludesFile: string;
  sandboxes: Awaited<ReturnType<typeof decideSandbox>>;
}

async function planRun(project: Project, options: UpOptions): Promise<RunPlan> {
  const chosen = selectSessions([...project.config.sessions, ...project.config.hosted], options.sessions ?? []);
  const selected = chosen.filter((s) => !s.host);
  const hosted = chosen.filter((s) => s.host);
  // A real `up` plans under its run lock, so nothing changes this before it is acted on (a dry
  // run changes nothing and takes no lock).
  const previous = await project.files.readState();
  const [{ plan }, , , actions, template, excludesFile, sandboxes] = await awaitAll([
    mapOwnership(project),
    verifyAgentsExist(project, selected),
    checkTmuxSession({ tmuxSession: getTmuxSessionName(project), owner: project.commonDir }),
    planSessionWorktrees(project, selected),
    readPromptTemplate(project),
    getExcludesFile(project.root),
    decideSandbox(selected),
  ] as const);
  if (plan.overlaps.length > 0) {
    throw new RefusedError(
      `${plan.overlaps.length} file(s) are owned by two or more sessions; make the owns globs disjoint (see \`parx plan\`)`,
      plan.overlaps.slice(0, 20).map((o) => `${o.path}: ${o.sessions.join(', ')}`),
    );
  }
  const sessionOf = (name: string) => selected.find((s) => s.name === name)!;
  // Every prompt rendered, and every agent command built, before anything is created: a prompt
  // no argument can carry is refused now, not at exec in a pane after the worktrees exist.
  const prompts = new Map(
    actions.map((action) => [
      action.session,
      renderSessionPrompt(
        project,
        template,
        sessionOf(action.session),
        { branch: action.branch, worktree: action.path, sandboxed: sandboxes.enabled.has(action.session) },
        previous?.grants,
      ),
    ]),
  );
  const launches = planLaunch({
    sessions: selected,
    actions,
    prompts,
    promptFile: (name) => project.files.promptPath(name),
    sandboxed: sandboxes.enabled,
    previous: previous?.sessions,
    root: project.root,
    repoName: project.repoName,
    ports: project.config.ports,
    hookArgs: (session, sandboxed) => getAgentHookArgs(project, session, sandboxed),
  });
  return { selected, hosted, previous, launches, layout: resolveLayout(project.config.layout, options.terminal), excludesFile, sandboxes };
}

async function startRun(project: Project, options: UpOptions, run: RunPlan): Promise<UpResult> {
  const emit = options.onProgress ?? (() => {});
  const { selected, previous, launches, excludesFile, sandboxes } = run;
  const launchOf = (session: string) => launches.find((l) => l.session === session);
  const excludes = await project.files.snapshotExcludesFile(excludesFile);
  const tmuxSession = getTmuxSessionName(project);
  const state = beginRunState(project, run, excludes, tmuxSession);
  // A worktree made again for a session the state lists (its folder was deleted) is marked as
  // filling first: a guard from an earlier `up` must not take it up half-filled.
  if (launches.some((l) => state.sessions[l.session]?.filling)) await project.files.writeState(state);
  const sandboxContext: SandboxContext = {
    ...sandboxes,
    tmuxSocket: getTmuxSocketPath(),
    gitSources: getGitSources(excludesFile),
    ignoreRules: sandboxes.enabled.size > 0 ? await readIgnoreRules(project, excludes) : [],
    grants: previous?.grants ?? [],
  };
  // While this machine fills its worktrees, the hosts fill theirs and tmux opens the grid: every
  // pane this `up` starts is made now, holding a placeholder until its program is ready.
  const baseTip = run.hosted.length > 0 ? await getCommit(project.root, `refs/heads/${project.base}`) : undefined;
  const grid = openGrid(
    { tmuxSession, owner: project.commonDir, ...run.layout },
    [...launches.map((l) => ({ session: l.session })), ...run.hosted.map((s) => ({ session: s.name })), { session: 'guard', role: 'guard' as const }],
    project.root,
  );
  // What every agent needs before the first starts: the write hooks' policy (every session's
  // worktree, started now or earlier or not at all) and the commit gate.
  const commitGate = project.config.guard.commitHook ? getCommitGateDir(project) : undefined;
  const prerequisites = () =>
    Promise.all([
      writeHookPolicy(
        project,
        { snapshot: excludes, source: excludesFile },
        (s) => launchOf(s.name)?.action.path ?? state.sessions[s.name]?.worktree ?? join(project.worktreeDir, s.name),
        state.grants,
      ),
      commitGate && writeCommitGate(project),
    ]);
  const launcher = new Launcher({
    project,
    state,
    grid,
    prerequisites,
    // No --config: the guard decides from the run's recorded configuration.
    guard: { cwd: project.root, argv: getParxArgv('guard') },
    respawn: options.respawn ?? false,
    emit,
  });
  const ctx: RecordContext = { project, previous, commitGate, now: new Date().toISOString(), emit };
  let made: readonly [Awaited<ReturnType<typeof prepareWorktrees>>, HostsStarted, OpenGrid];
  try {
    made = await awaitAll([
      prepareWorktrees(
        project,
        launches,
        (action) => prepareSessionSandbox(project, sessionOf(action.session), action.path, sandboxContext, action.kind === 'create-branch'),
        emit,
        // Each session starts as soon as its own worktree is ready.
        (prepared) =>
          launcher.add({
            session: prepared.action.session,
            record: (st, pane) => recordSession(ctx, sessionOf(prepared.action.session), launchOf(prepared.action.session)!, prepared, st, pane),
          }),
      ),
      startHosts(project, run.hosted, baseTip, (hosted) => launcher.add(getHostedLaunch(project.root, previous, hosted, ctx.now))),
      grid,
    ] as const);
    await launcher.finish((st) => {
      // This `up`'s sessions whose worktrees could not be made again are no longer being filled.
      for (const { session } of launches) if (st.sessions[session]) delete st.sessions[session].filling;
    });
  } catch (error) {
    // Nothing is left holding a placeholder: a later `up` makes the panes again.
    await launcher.settle();
    const open = await grid.catch(() => undefined);
    if (open) await closePlaceholders(open).catch(() => {});
    throw error;
  }
  const [{ prepared, unprepared }, hostsStarted, open] = made;
  // A session whose worktree or setup failed got no program: its placeholder closes.
  await closePlaceholders(open);
  await project.files.appendEvent({ type: 'up', sessions: selected.map((s) => s.name), tmuxSession });
  const failed = prepared.filter((p) => p.setup && !p.setup.ok);
  if (failed.length > 0 || unprepared.length > 0 || hostsStarted.failed.length > 0)
    throw describeUnprepared(
      unprepared,
      failed,
      prepared.filter((p) => !p.setup || p.setup.ok),
      sandboxes.enabled,
      hostsStarted,
    );
  return {
    tmuxSession,
    base: project.base,
    sessions: [...selected, ...run.hosted].map((s) => {
      const st = state.sessions[s.name] ?? state.hosted![s.name]!;
      return { name: s.name, branch: st.branch, worktree: st.worktree, pane: st.pane ?? '', ...(s.host && { host: s.host }) };
    }),
  };

  function sessionOf(name: string): SessionConfig {
    return selected.find((s) => s.name === name)!;
  }
}

/**
 * The run state this `up` writes, before any session is recorded in it: what other commands
 * recorded (grants, decisions, budgets, hosted sessions, `down`'s progress) is kept, the run's
 * configuration is this `up`'s, and a session whose worktree is made again is marked filling.
 */
function beginRunState(project: Project, run: RunPlan, excludes: string, tmuxSession: string): RunState {
  const { previous, launches } = run;
  const sessions = { ...previous?.sessions };
  for (const { action } of launches) {
    const before = sessions[action.session];
    if (before && action.kind !== 'reuse') sessions[action.session] = { ...before, filling: true };
  }
  return {
    ...previous,
    version: 1,
    root: project.root,
    base: project.base,
    configFile: project.configFile,
    config: project.config,
    configDigest: getConfigDigest(project.configFile),
    excludesFile: excludes,
    tmuxSession,
    sessions,
    ...(previous?.down && {
      down: keepMergeProgress(
        previous.down,
        launches.map((l) => l.action),
      ),
    }),
    ...(previous?.hosted && { hosted: { ...previous.hosted } }),
    ...(previous?.abandoned && { abandoned: { ...previous.abandoned } }),
  };
}

/** Starts the hosted sessions on their hosts; each started is handed on once all hosts have answered. */
async function startHosts(
  project: Project,
  hosted: readonly SessionConfig[],
  baseTip: string | undefined,
  onStarted: (h: HostedStart) => void,
): Promise<HostsStarted> {
  if (hosted.length === 0) return { started: [], failed: [] };
  const started = await startHostedSessions(project, hosted, baseTip!);
  for (const h of started.started) onStarted(h);
  return started;
}

/** A hosted session's local pane: it shows the session's run on its host (ssh). */
function getHostedLaunch(root: string, previous: RunState | undefined, h: HostedStart, now: string): Launch {
  return {
    session: h.session,
    record: (state, pane) => {
      const before = previous?.hosted?.[h.session];
      state.hosted = { ...state.hosted };
      state.hosted[h.session] = {
        host: h.host,
        branch: h.branch,
        worktree: h.worktree,
        pane: pane ?? before?.pane,
        command: h.argv,
        createdAt: before?.createdAt ?? now,
      };
      return Promise.resolve({ cwd: root, argv: h.argv });
    },
  };
}

async function verifyAgentsExist(project: Project, sessions: readonly SessionConfig[]): Promise<void> {
  for (const agent of new Set(sessions.map((s) => s.agent))) {
    const program = getAgentProgram(agent);
    if (!(await findExecutable(program, project.root))) {
      const users = sessions.filter((s) => s.agent === agent).map((s) => s.name);
      throw new UsageError(`agent program "${program}" (for ${users.join(', ')}) is not installed or not on PATH`);
    }
  }
}

/** `down` progress survives `up`, but a session started afresh is no longer "merged earlier". */
function keepMergeProgress(down: DownState, actions: readonly WorktreeAction[]): DownState {
  const merged = { ...down.merged };
  for (const a of actions) if (a.kind !== 'reuse') delete merged[a.session];
  return { ...down, merged };
}
