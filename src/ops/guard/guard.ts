import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { POLL_INTERVAL_MS, watchTreeWithChokidar } from '../../adapters/chokidar-watcher.js';
import { getFileSystemTypes } from '../../adapters/mounts.js';
import { describeEventlessFileSystem } from '../../core/file-systems.js';
import { getExcludesFile, listTrackedIgnored } from '../../adapters/git.js';
import { GitIgnoreRules } from '../../adapters/gitignore.js';
import { watchTree, type TreeWatcher, type TreeWatcherOptions } from '../../adapters/tree-watcher.js';
import { judgeChange, type PathChange } from '../../core/changes.js';
import { GuardLedger } from '../../core/guard-ledger.js';
import { createOwnership, isAlwaysIgnored, looksLikeTemporaryFile } from '../../core/ownership.js';
import { isWithin } from '../../core/sandbox-plan.js';
import type { RunState } from '../../core/run-state.js';
import { guardMessages as say } from '../../core/guard-messages.js';
import { createGuardRouter } from './routing.js';
import { checkSessions } from '../check.js';
import { loadProject, type Project } from '../common/project.js';
import { GuardAnnouncer } from './announcer.js';
import { OutboxRelay } from './relay.js';
import { ObjectDrain } from './object-drain.js';
import { NoteFollower } from './notes.js';
import { Reverter } from './revert.js';
import { AgentStateTracker, getSilenceMs } from './agent-states.js';
import { getSessionAgentKind, hasHooks } from '../../core/agent-hooks.js';
import { getLiveSessions, type LiveSession } from '../common/sessions.js';
import { describeWatchFailure } from './health.js';
import { GuardNotifier } from './notifier.js';
import { startRadar, startRunServices } from './run-services.js';
import { RequestFollower } from './requests.js';
import { OwnWrites } from './own-writes.js';
import type { GuardOptions, GuardResult } from './types.js';

/**
 * `parx guard`: watch every worktree, reconcile from git, then follow changes until `signal`
 * aborts, or until there is nothing left to guard (the repository deleted, the run over).
 */
/** How long a temporary-looking new file may live before the guard calls it a violation. */
const TEMPORARY_FILE_MS = 250;

export async function runGuard(options: GuardOptions): Promise<GuardResult> {
  const started = performance.now();
  const project = await loadProject(options);
  const { state } = project;
  // The recorded configuration's choice (see core/file-systems.ts for when to poll).
  const watcherKind = options.watcher ?? project.config.guard.watcher;
  // Rebuilt when `parx grant` moves a path (state.json changes).
  let ownership = createOwnership(project.config.sessions, project.config.shared, state?.grants);
  const order = project.config.sessions.map((s) => s.name);
  // What is news (a first violation, a collision that starts or grows): core/guard-ledger.ts.
  const ledger = new GuardLedger(order);
  const tmux = { session: state?.tmuxSession, panes: getPanes(state) };
  const announcer = new GuardAnnouncer(project.files, tmux, (s) => ledger.violationCount(s));
  // The ignore sources `up` recorded (the ones the hook reads too), not whatever they are now.
  const excludesFile = state?.excludesFile ?? (await getExcludesFile(project.root));
  const watchers = new Map<string, TreeWatcher>();
  /** `session:dir` of every folder the kernel would not watch, polled instead. */
  const polling: string[] = [];
  const writeHealth = () =>
    project.files.writeGuardHealth({ pid: process.pid, time: new Date().toISOString(), polling, stateSeen: stateMtime(project) }).catch(() => {});

  // Only one guard per repository records to events.jsonl and marks panes (the pane's, usually);
  // a second one, say `parx guard --json` piped into a tool, only prints.
  let recording = await project.files.acquireGuardLock();
  const notifier = new GuardNotifier(
    project.config.notify,
    project.root,
    (s) => tmux.panes.get(s),
    (message) => emit({ type: 'error', message }),
  );
  const emit = createGuardRouter({
    onEvent: (event) => options.onEvent(event),
    isRecording: () => recording,
    announcer,
    notifier,
    onState: (session, state) => services.onState(session, state),
  });
  // What the guard runs for the run besides watching: reviews, landings, budgets (ops/guard/run-services.ts).
  const services = startRunServices(project, { isRecording: () => recording, announcer, onError: (message) => emit({ type: 'error', message }) });
  // Agents report `working`/`waiting` through their hooks; hook-less ones are judged by pane silence.
  const silent = new Set(project.config.sessions.filter((s) => !hasHooks(getSessionAgentKind(s.agent))).map((s) => s.name));
  const requests = new RequestFollower(project.files, (line, session) => {
    if (line.type === 'request') {
      const owner = ownership.ownersOf(line.path).find((o) => o !== session);
      emit({ type: 'ask', session, id: line.id, path: line.path, ...(owner && { owner }) });
    } else emit({ type: 'ask', session, id: line.id, reason: line.reason });
  });
  const agentStates = new AgentStateTracker(
    project.files,
    order,
    silent,
    (change) => {
      const waiting = change.state === 'waiting' ? say.waitingBanner(change.session, change.detail) : undefined;
      emit({ type: 'state', ...change }, waiting);
    },
    getSilenceMs(process.env),
    (session, name) => {
      if (name === 'requests.jsonl') requests.follow(session);
    },
  );
  // Messages for agents without hooks: shown here, for the human to pass on.
  const notes = new NoteFollower(project.files, order, (session, text) => emit({ type: 'note', session, text }, say.noteBanner(session, text)));
  // Sandboxed sessions' hooks report denials to their own folder; the recording guard moves them.
  const outboxes = new OutboxRelay(project.files, order);
  // Their objects are written to folders of their own; the recording guard drains each into the
  // shared store, verified, as soon as it changes (plain git then sees a commit at once).
  const objects = new ObjectDrain(project, (session, problem) => emit({ type: 'error', message: `${session}: ${problem}` }));
  emit({ type: 'role', role: recording ? 'recorder' : 'observer' });
  if (project.configNotice) emit({ type: 'notice', message: project.configNotice });
  if (recording) objects.watchNew();

  // guard.onViolation: revert — only the recording guard acts, on writes it sees happen. A write
  // by a session into a path granted away from it is reverted whatever the setting: a process of
  // its own that worked inside that path before the grant keeps its old, writable view of it
  // (ops/common/sandbox-grants.ts), so the sandbox alone cannot stop it.
  const revertAll = project.config.guard.onViolation === 'revert';
  const reverter = new Reverter(project.files);
  const isGrantedAway = (session: string, path: string) => (project.state?.grants ?? []).some((g) => g.from === session && isWithin(path, g.path));
  const worktreeOf = new Map<string, string>();
  const ownWrites = new OwnWrites(project.files);
  const revert = async (session: string, path: string) => {
    const outcome = await reverter.revert(session, worktreeOf.get(session)!, path);
    if (!outcome) return;
    emit({ type: 'revert', session, path, ...outcome }, say.revertBanner(session, path, outcome));
  };

  const record = (session: string, change: PathChange, source: 'git' | 'watch', settled = false): void => {
    const worktree = worktreeOf.get(session);
    if (isAlwaysIgnored(change.path) || (worktree && reverter.isOwnEcho(worktree, change.path))) return;
    const violation = judgeChange(ownership, session, change);
    // `sed -i` writes `sedXXXXXX` beside the file and renames it over: not a write of its own.
    if (violation && worktree && source === 'watch' && looksLikeTemporaryFile(change.path) && !settled) {
      // Its removal is news only if the file itself was (a tracked one's deletion: git reports it).
      if (change.change === 'unlink') return ledger.hasChanged(session, change.path) ? record(session, change, source, true) : undefined;
      return void setTimeout(() => existsSync(join(worktree, change.path)) && record(session, change, source, true), TEMPORARY_FILE_MS);
    }
    // What `parx sync` wrote there, and `parx down` removing the worktree, are not the session's
    // doing. Asked only of a change that would count against it (a violation, or a shared path
    // that could make a collision): an agent's writes to its own files, the bulk, skip the look.
    const own = source === 'watch' && worktree && (violation || ownership.isShared(change.path)) ? ownWrites.isOwn(session, worktree, change) : 'no';
    if (own === 'wait') return void setTimeout(() => record(session, change, source), 20);
    if (own === 'yes') return;
    if (violation && recording && source === 'watch' && (revertAll || isGrantedAway(session, change.path)))
      void revert(session, change.path).catch((e: Error) => emit({ type: 'error', message: e.message }));
    const news = ledger.record(session, change.path, violation);
    if (news.violation) emit({ type: 'violation', source, ...news.violation }, say.violationBanner(session, change.path, news.violation.owner), session);
    if (news.collision) emit({ type: 'collision', path: change.path, sessions: news.collision, source }, say.collisionBanner(news.collision, change.path));
  };
  const forgetWorktree = (session: string) => {
    watchers.delete(session);
    ledger.forget(session);
    emit({ type: 'watch', session, state: 'gone' });
  };

  const reconcile = async (live: readonly LiveSession[]) => {
    const { sessions } = await checkSessions(project, live);
    for (const s of sessions) {
      if (s.problem) emit({ type: 'error', message: `${s.name}: ${s.problem}` });
      for (const c of s.changed) record(s.name, c, 'git');
    }
  };

  const startWatching = async (session: LiveSession): Promise<number> => {
    const rules = new GitIgnoreRules(project.commonDir, excludesFile);
    rules.addTracked(await listTrackedIgnored(session.worktree, excludesFile).catch(() => []));
    const watcherOptions: TreeWatcherOptions = {
      root: session.worktree,
      rules: {
        loadDirectory: (dir) => rules.loadGitignore(session.worktree, dir),
        isIgnored: (path, isDirectory) => isAlwaysIgnored(path) || rules.isIgnored(path, isDirectory),
      },
      onChange: (change) => record(session.name, change, 'watch'),
      onRootGone: () => forgetWorktree(session.name),
      onError: (error) => emit({ type: 'error', message: `${session.name}: ${error.message}` }),
      onPolling: (dir, error) => {
        // Loud: a folder the kernel will not watch is slower to guard, and the user can fix it.
        polling.push(`${session.name}:${dir || '.'}`);
        emit(
          { type: 'error', code: error.code ?? 'EWATCH', message: describeWatchFailure(session.name, dir, error.code) },
          say.pollingBanner(session.name, dir),
        );
        if (recording) void writeHealth();
      },
    };
    worktreeOf.set(session.name, session.worktree);
    const watcher = watcherKind === 'fs' ? watchTree(watcherOptions) : watchTreeWithChokidar(watcherOptions, { poll: watcherKind === 'poll' });
    watchers.set(session.name, watcher);
    return (await watcher.ready).directories;
  };

  const all = await getLiveSessions(project, state);
  const live = all.filter((s) => s.hasWorktree);
  // Watch first, then ask git: a file written while the watchers were being installed is
  // listed silently by them (the initial listing announces nothing), so only a reconcile that
  // starts after every directory is watched is sure to see it.
  const [directories] = await Promise.all([
    Promise.all(live.map(startWatching)).then((counts) => counts.reduce((a, b) => a + b, 0)),
    agentStates.start(),
    notes.start(),
    requests.start(order, (id) => Boolean(state?.decisions?.[id])),
    // Alongside the watches, not before them: the advice is for the human, not a precondition.
    watcherKind === 'fs' && adviseOnFileSystems(live, (message) => emit({ type: 'error', code: 'EVENTLESS', message }, say.eventlessBanner())),
  ]);
  await reconcile(all);
  // Health first: once `ready` is out, the run's folder may be changed or deleted by others.
  if (recording) await writeHealth();
  emit({
    type: 'ready',
    sessions: live.map((s) => s.name),
    directories,
    polled: polling.length,
    ms: Math.round(performance.now() - started),
    watcher: watcherKind,
  });

  // The integration radar (`integrate: {every}`): findings are announced like violations.
  const radar = project.config.integrate
    ? startRadar(project, {
        isRecording: () => recording,
        onError: (message) => emit({ type: 'error', message }),
        onFinding: (session, finding) => emit({ type: 'integration', session, finding }, say.integrationBanner(session, finding), session),
        announcer,
      })
    : undefined;

  // Worktrees that appear later (a new `parx up`, a re-added worktree) are picked up here. The
  // poll stays cheap: no process is spawned unless something changed, since every spawn blocks
  // the event loop for a few ms and that is alert latency.
  let stateStamp = stateMtime(project);
  let current = state;
  let adopting = false;
  // The guard stops by itself once there is nothing left to guard, so that no guard outlives
  // its repository or its run (a run is known once state.json has listed a session).
  const finished = new AbortController();
  let stoppedBecause: string | undefined;
  let sawRun = countSessions(state) > 0;
  const stop = (reason: string) => {
    // A deleted repository takes its state and worktrees with it: say the cause, not a symptom.
    stoppedBecause ??= existsSync(project.commonDir) ? reason : `its repository is gone (${project.root})`;
    finished.abort();
  };
  let again = false;
  const check = () => {
    if (adopting) {
      again = true;
      return;
    }
    adopting = true;
    adoptNewWorktrees()
      .catch((e: Error) => emit({ type: 'error', message: e.message }))
      .finally(() => {
        adopting = false;
        if (again) {
          again = false;
          check();
        }
      });
  };
  const poll = setInterval(check, options.pollMs ?? 1000);
  // A grant rewrites state.json: the new ownership must judge the very next write (a session's
  // write into a path just granted away from it is reverted), so a change is acted on at once.
  const stateWatch = watchRunState(project, check);
  // Whether anything is left to guard, on a timer of its own with no await in it: nothing the
  // guard waits for elsewhere (a tmux or git call in a folder deleted under it) can hold it up.
  const liveness = setInterval(() => {
    if (!existsSync(project.commonDir)) return stop(`its repository is gone (${project.root})`);
    // A worktree root deleted while its files were being deleted may send no last event: look.
    for (const [name, watcher] of watchers) {
      if (existsSync(worktreeOf.get(name)!)) continue;
      watcher.close();
      forgetWorktree(name);
    }
    if (sawRun && watchers.size === 0 && !existsSync(project.files.statePath)) stop('its run state is gone');
  }, options.pollMs ?? 1000);

  async function adoptNewWorktrees(): Promise<void> {
    if (!recording && (await project.files.acquireGuardLock())) {
      recording = true;
      emit({ type: 'role', role: 'recorder' });
    }
    if (recording) {
      objects.watchNew();
      objects.sweep();
      await Promise.all([agentStates.inferFromPanes(tmux.session), outboxes.relay()]);
    }
    const stamp = stateMtime(project);
    if (stamp !== stateStamp) {
      stateStamp = stamp;
      current = await project.files.readState();
      Object.assign(tmux, { session: current?.tmuxSession, panes: getPanes(current) });
      if (JSON.stringify(current?.grants ?? []) !== JSON.stringify(project.state?.grants ?? [])) {
        ownership = createOwnership(project.config.sessions, project.config.shared, current?.grants);
      }
      project.state = current;
      announcer.remark(ledger.sessionsWithViolations());
      // Said in guard.json: `parx grant` (and a test) can tell the guard judges by the new ownership.
      if (recording) await writeHealth();
    }
    const sessionsLeft = countSessions(current);
    if (sessionsLeft > 0) sawRun = true;
    else if (sawRun && watchers.size === 0 && current) return stop('the run is over: no session is left');
    const now = current;
    const candidates = project.config.sessions.filter(
      (s) => !watchers.has(s.name) && existsSync(join(now?.sessions[s.name]?.worktree ?? join(project.worktreeDir, s.name), '.git')),
    );
    if (candidates.length === 0) return;
    for (const session of await getLiveSessions(project, now, candidates)) {
      await startWatching(session);
      emit({ type: 'watch', session: session.name, state: 'watching' });
      await reconcile([session]);
    }
  }

  await new Promise<void>((resolve) => {
    if (options.signal.aborted || finished.signal.aborted) resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
    finished.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(poll);
  clearInterval(liveness);
  stateWatch?.close();
  agentStates.close();
  notes.close();
  objects.close();
  await radar?.close();
  services.close();
  for (const watcher of watchers.values()) watcher.close();
  if (existsSync(project.commonDir)) {
    await announcer.close();
    await project.files.releaseGuardLock();
  }
  return { stoppedBecause };
}

/** Calls `changed` when state.json is replaced (parx writes it by rename into the run folder). */
function watchRunState(project: Project, changed: () => void): FSWatcher | undefined {
  try {
    const watcher = watch(project.files.dir, (_, name) => {
      if (name?.toString() === 'state.json') changed();
    });
    watcher.on('error', () => watcher.close());
    return watcher;
  } catch {
    return undefined; // no run folder (yet): the poll looks
  }
}

function stateMtime(project: Project): number {
  try {
    return statSync(project.files.statePath).mtimeMs;
  } catch {
    return 0;
  }
}

function getPanes(state: RunState | undefined): Map<string, string> {
  // Hosted sessions' panes too: their borders show what their hosts' guards report (ops/guard/host-relay.ts).
  return new Map(Object.entries({ ...state?.hosted, ...state?.sessions }).flatMap(([s, st]) => (st.pane ? [[s, st.pane] as const] : [])));
}

/**
 * Kernel events miss changes made from the other side of a network or host-shared file system:
 * say so, once per file system type, with the setting that fixes it.
 */
async function adviseOnFileSystems(live: readonly LiveSession[], warn: (message: string) => void): Promise<void> {
  const fsTypes = await getFileSystemTypes(live.map((s) => s.worktree));
  const types = live.map((s, i) => ({ session: s.name, fsType: fsTypes[i] }));
  const byType = new Map<string, string[]>();
  for (const { session, fsType } of types) if (fsType && describeEventlessFileSystem(fsType)) byType.set(fsType, [...(byType.get(fsType) ?? []), session]);
  for (const [fsType, sessions] of byType) {
    warn(
      `${sessions.join(', ')}: worktree on ${fsType}, ${describeEventlessFileSystem(fsType)}, where kernel file events miss changes made from elsewhere; set guard.watcher: poll in the config (a stat of every file each ${POLL_INTERVAL_MS} ms) and run parx up again`,
    );
  }
}

/** The run's sessions, here and on hosts: the guard goes on while any is left (it relays the hosted ones). */
function countSessions(state: RunState | undefined): number {
  return Object.keys(state?.sessions ?? {}).length + Object.keys(state?.hosted ?? {}).length;
}
