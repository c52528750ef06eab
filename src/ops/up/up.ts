import { getSessionAgentKind, hasHooks } from '../../core/agent-hooks.js';
import { join } from 'node:path';
import { getConfigDigest } from '../../adapters/config-file.js';
import { findExecutable } from '../../adapters/files.js';
import { getCommit, getExcludesFile } from '../../adapters/git.js';
import { startHostedSessions, type HostsStarted } from '../hosts/start.js';
import { getTmuxSocketPath, verifyTmux } from '../../adapters/tmux.js';
import { getAgentProgram } from '../../core/agent-command.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { resolveLayout, type TerminalSize } from '../../core/pane-layout.js';
import { RefusedError, UsageError } from '../../core/errors.js';
import type { DownState, RunState, SessionState } from '../../core/run-state.js';
import { wrapWithEnv } from '../../core/session-env.js';
import type { WorktreeAction } from '../../core/worktree-plan.js';
import { planLaunch, type SessionLaunch } from '../../core/launch-plan.js';
import { getParxArgv } from '../../package-root.js';
import { mapOwnership } from '../plan.js';
import { readPromptTemplate, renderSessionPrompt } from '../common/prompts.js';
import { awaitAll } from '../common/await-all.js';
import { crashPoint } from '../common/crash-point.js';
import { getTmuxSessionName, loadProject, withRunLock, type Project, type ProjectOptions } from '../common/project.js';
import { selectSessions } from '../common/sessions.js';
import { checkTmuxSession, closePlaceholders, openGrid, startPrograms, type OpenGrid } from './panes.js';
import type { UpProgress } from './types.js';

export type { UpProgress } from './types.js';
import { getAgentHookArgs, getGitSources, prepareAgentHooks, writeHookPolicy } from './agent-hooks.js';
import { installCommitGate } from './commit-gate.js';
import { planSessionWorktrees, prepareWorktrees, type PreparedWorktree, type UnpreparedWorktree } from './worktrees.js';
import { describeUnprepared } from './unprepared.js';
import { decideSandbox, getSandboxedArgv, prepareSessionSandbox, readIgnoreRules, type SandboxContext } from '../common/sandbox.js';
import { getHiddenSocketVariables } from '../common/sandbox-outside.js';

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
  const sessionOf = (action: WorktreeAction) => selected.find((s) => s.name === action.session)!;
  const excludes = await project.files.snapshotExcludesFile(excludesFile);
  const tmuxSession = getTmuxSessionName(project);
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
  const opening = openGrid(
    { tmuxSession, owner: project.commonDir, ...run.layout },
    [...launches.map((l) => ({ session: l.session })), ...run.hosted.map((s) => ({ session: s.name })), { session: 'guard', role: 'guard' as const }],
    project.root,
  );
  const [prepare, hostsStart, grid] = await Promise.allSettled([
    prepareWorktrees(
      project,
      launches,
      (action) => prepareSessionSandbox(project, sessionOf(action), action.path, sandboxContext, action.kind === 'create-branch'),
      emit,
    ),
    run.hosted.length > 0 ? startHostedSessions(project, run.hosted, baseTip!) : Promise.resolve<HostsStarted>({ started: [], failed: [] }),
    opening,
  ]);
  if (prepare.status === 'rejected' || hostsStart.status === 'rejected' || grid.status === 'rejected') {
    if (grid.status === 'fulfilled') await closePlaceholders(grid.value);
    throw [prepare, hostsStart, grid].map((r) => (r.status === 'rejected' ? (r.reason as Error) : undefined)).find(Boolean)!;
  }
  const { prepared, unprepared } = prepare.value;
  const hostsStarted = hostsStart.value;
  try {
    return await finishRun(project, options, run, { prepared, unprepared, hostsStarted, excludes, tmuxSession, grid: grid.value });
  } catch (error) {
    // Nothing is left holding a placeholder: a later `up` makes the panes again.
    await closePlaceholders(grid.value).catch(() => {});
    throw error;
  }
}

/** What startRun made and started, for finishRun to record and start the panes of. */
interface Made {
  prepared: PreparedWorktree[];
  unprepared: UnpreparedWorktree[];
  hostsStarted: HostsStarted;
  excludes: string;
  tmuxSession: string;
  grid: OpenGrid;
}

async function finishRun(project: Project, options: UpOptions, run: RunPlan, made: Made): Promise<UpResult> {
  const emit = options.onProgress ?? (() => {});
  const { config } = project;
  const { selected, previous, launches, excludesFile, sandboxes } = run;
  const { prepared, unprepared, hostsStarted, excludes, tmuxSession } = made;
  const sessionOf = (action: WorktreeAction) => selected.find((s) => s.name === action.session)!;
  const launchOf = (action: WorktreeAction) => launches.find((l) => l.session === action.session)!;
  const actions = launches.map((l) => l.action);
  const now = new Date().toISOString();
  const state: RunState = {
    version: 1,
    root: project.root,
    base: project.base,
    configFile: project.configFile,
    config: project.config,
    configDigest: getConfigDigest(project.configFile),
    excludesFile: excludes,
    tmuxSession,
    sessions: { ...previous?.sessions },
    ...(previous?.down && { down: keepMergeProgress(previous.down, actions) }),
    // Ownership moved by `parx grant` holds for the rest of the run, across `up`s.
    ...(previous?.grants && { grants: previous.grants }),
    ...(previous?.decisions && { decisions: previous.decisions }),
    ...((previous?.hosted || hostsStarted.started.length > 0) && { hosted: { ...previous?.hosted } }),
    // An abandoned session stays abandoned until this `up` starts it again.
    ...(previous?.abandoned && {
      abandoned: withoutKeys(
        previous.abandoned,
        prepared.map((p) => p.action.session),
      ),
    }),
  };
  for (const { action, setup, copied, sandbox } of prepared) {
    const session = sessionOf(action);
    const launch = launchOf(action);
    const { text } = launch.prompt;
    const [promptFile, hooks] = await Promise.all([
      project.files.writePrompt(session.name, text),
      prepareAgentHooks(project, session, action.path, sandbox.enabled),
    ]);
    if (hooks.notes) emit({ type: 'hooks', session: session.name, notes: hooks.notes });
    if (getSessionAgentKind(session.agent) === 'agy')
      emit({
        type: 'enforcement',
        session: session.name,
        note: 'Antigravity CLI gets no parx hooks (not dependable across its versions): the OS sandbox and the guard enforce its ownership',
      });
    // A budget pauses an agent through its hooks: one without can only be reported on.
    if (session.budget && !hasHooks(getSessionAgentKind(session.agent)))
      emit({
        type: 'budget',
        session: session.name,
        note: 'its agent has no hooks parx could pause it with: reaching its budget is reported (status, notify), not enforced',
      });
    const before: SessionState | undefined = previous?.sessions[session.name];
    state.sessions[session.name] = {
      branch: action.branch,
      worktree: action.path,
      pane: before?.pane,
      port: launch.port,
      promptFile,
      // The argv planned before anything was created (launch-plan.ts), wrapped.
      command: getSandboxedArgv(
        sandbox,
        wrapWithEnv(launch.argv, { ...launch.env, ...hooks.env }, sandbox.enabled ? getHiddenSocketVariables(config.guard.sockets) : []),
      ),
      sandbox: sandbox.enabled ? 'on' : 'off',
      ...(hooks.notes && { hookNotes: hooks.notes }),
      ...(sandbox.notes.length > 0 && { sandboxNotes: sandbox.notes }),
      setup: setup ? (setup.ok ? 'ok' : 'failed') : (before?.setup ?? (session.setup ? 'ok' : 'none')),
      ...((copied ?? before?.copied) && { copied: copied ?? before?.copied }),
      createdAt: before?.createdAt ?? now,
    };
  }

  for (const h of hostsStarted.started)
    state.hosted![h.session] = {
      host: h.host,
      branch: h.branch,
      worktree: h.worktree,
      pane: previous?.hosted?.[h.session]?.pane,
      command: h.argv,
      createdAt: previous?.hosted?.[h.session]?.createdAt ?? now,
    };

  // Every session's worktree, started now or earlier or not at all, for the agents' write hooks.
  await writeHookPolicy(
    project,
    { snapshot: excludes, source: excludesFile },
    (s) => state.sessions[s.name]?.worktree ?? join(project.worktreeDir, s.name),
    state.grants,
  );
  if (config.guard.commitHook)
    await installCommitGate(
      project,
      prepared.map((p) => p.action.path),
    );

  // A session whose setup failed gets no pane (its agent would start on a half-prepared
  // worktree); the others start, and the failures are reported after.
  const failed = prepared.filter((p) => p.setup && !p.setup.ok);
  const ready = prepared.filter((p) => !p.setup || p.setup.ok);

  // The guard starts with the agents: it finds the panes it marks in state.json (re-read when it
  // changes). No --config: the guard decides from the run's recorded configuration.
  const guardArgv = getParxArgv('guard');
  const restarted: string[] = [];
  crashPoint('up-before-programs');
  const panes = await startPrograms(
    made.grid,
    [
      ...ready.map(({ action }) => ({ session: action.session, cwd: action.path, argv: state.sessions[action.session]!.command })),
      ...hostsStarted.started.map((h) => ({ session: h.session, cwd: project.root, argv: h.argv })),
      { session: 'guard', role: 'guard' as const, cwd: project.root, argv: guardArgv },
    ],
    options.respawn ?? false,
    (event) => {
      // A new agent process starts with no reported state; forget what its predecessor said.
      if (event.type === 'pane' && (event.action === 'started' || event.action === 'respawned')) restarted.push(event.session);
      emit(event);
    },
  );
  await Promise.all(restarted.map((s) => project.files.forgetAgentState(s)));
  for (const [name, pane] of panes) {
    const session = state.sessions[name] ?? state.hosted?.[name];
    if (session) session.pane = pane;
  }
  await project.files.writeState(state);
  await project.files.appendEvent({ type: 'up', sessions: selected.map((s) => s.name), tmuxSession });
  if (failed.length > 0 || unprepared.length > 0 || hostsStarted.failed.length > 0)
    throw describeUnprepared(unprepared, failed, ready, sandboxes.enabled, hostsStarted);

  return {
    tmuxSession,
    base: project.base,
    sessions: [...selected, ...run.hosted].map((s) => {
      const st = state.sessions[s.name] ?? state.hosted![s.name]!;
      return { name: s.name, branch: st.branch, worktree: st.worktree, pane: st.pane ?? '', ...(s.host && { host: s.host }) };
    }),
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

function withoutKeys<T>(record: Readonly<Record<string, T>>, keys: readonly string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
}
