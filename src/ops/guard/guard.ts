import { existsSync, watch, type FSWatcher } from 'node:fs';
import { POLL_INTERVAL_MS } from '../../adapters/chokidar-watcher.js';
import { getFileSystemTypes } from '../../adapters/mounts.js';
import { describeEventlessFileSystem } from '../../core/file-systems.js';
import { getExcludesFile } from '../../adapters/git.js';
import { GuardLedger } from '../../core/guard-ledger.js';
import { guardMessages as say } from '../../core/guard-messages.js';
import { getSessionAgentKind, hasHooks } from '../../core/agent-hooks.js';
import { checkSessions } from '../check.js';
import { loadProject, type Project } from '../common/project.js';
import { getLiveSessions, type LiveSession } from '../common/sessions.js';
import { createGuardRouter, type GuardEmit } from './routing.js';
import { GuardState } from './guard-state.js';
import { createChangeRecorder } from './change-recorder.js';
import { watchSession } from './watch-session.js';
import { GuardAnnouncer } from './announcer.js';
import { OutboxRelay } from './relay.js';
import { ObjectDrain } from './object-drain.js';
import { NoteFollower } from './notes.js';
import { Reverter } from './revert.js';
import { AgentStateTracker, getSilenceMs } from './agent-states.js';
import { describeWatchFailure } from './health.js';
import { GuardNotifier } from './notifier.js';
import { startRadar, startRunServices } from './run-services.js';
import { RequestFollower } from './requests.js';
import { OwnWrites } from './own-writes.js';
import type { GuardOptions, GuardResult } from './types.js';

/**
 * `parx guard`: watch every worktree, reconcile from git, then follow changes until `signal`
 * aborts, or until there is nothing left to guard (the repository deleted, the run over). What
 * it knows and changes as it runs is one GuardState (./guard-state.ts); each change is judged by
 * the recorder (./change-recorder.ts); where each event goes is the router's (./routing.ts).
 */
export async function runGuard(options: GuardOptions): Promise<GuardResult> {
  const started = performance.now();
  const project = await loadProject(options);
  // Only one guard per repository records to events.jsonl and marks panes (the pane's, usually);
  // a second one, say `parx guard --json` piped into a tool, only prints.
  const guard = await GuardState.load(project, await project.files.acquireGuardLock());
  // The recorded configuration's choice (see core/file-systems.ts for when to poll).
  const watcherKind = options.watcher ?? project.config.guard.watcher;
  const order = project.config.sessions.map((s) => s.name);
  // What is news (a first violation, a collision that starts or grows): core/guard-ledger.ts.
  const ledger = new GuardLedger(order);
  const announcer = new GuardAnnouncer(project.files, guard.tmux, (s) => ledger.violationCount(s));
  // The ignore sources `up` recorded (the ones the hook reads too), not whatever they are now.
  const excludesFile = guard.run?.excludesFile ?? (await getExcludesFile(project.root));
  const writeHealth = () => project.files.writeGuardHealth(guard.health()).catch(() => {});
  const isRecording = () => guard.recording;
  const onError = (message: string) => emit({ type: 'error', message });

  const notifier = new GuardNotifier(project.config.notify, project.root, (s) => guard.tmux.panes.get(s), onError);
  const emit = createGuardRouter({
    onEvent: (event) => options.onEvent(event),
    isRecording,
    announcer,
    notifier,
    onState: (session, state) => services.onState(session, state),
  });
  // What the guard runs for the run besides watching: reviews, landings, budgets (ops/guard/run-services.ts).
  const services = startRunServices(project, { isRecording, announcer, onError });
  const { agentStates, notes, requests, outboxes, objects } = startFollowers(project, guard, order, emit);
  emit({ type: 'role', role: guard.recording ? 'recorder' : 'observer' });
  if (project.configNotice) emit({ type: 'notice', message: project.configNotice });
  if (guard.recording) objects.watchNew();

  const record = createChangeRecorder({
    guard,
    ledger,
    reverter: new Reverter(project.files),
    ownWrites: new OwnWrites(project.files),
    revertAll: project.config.guard.onViolation === 'revert',
    emit,
  });
  const forgetWorktree = (session: string) => {
    guard.watched.delete(session);
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
    guard.worktrees.set(session.name, session.worktree);
    const watcher = await watchSession(
      session,
      { kind: watcherKind, commonDir: project.commonDir, excludesFile },
      {
        onChange: (change) => record(session.name, change, 'watch'),
        onRootGone: () => forgetWorktree(session.name),
        onError: (error) => emit({ type: 'error', message: `${session.name}: ${error.message}` }),
        onPolling: (dir, error) => {
          // Loud: a folder the kernel will not watch is slower to guard, and the user can fix it.
          guard.polling.push(`${session.name}:${dir || '.'}`);
          emit(
            { type: 'error', code: error.code ?? 'EWATCH', message: describeWatchFailure(session.name, dir, error.code) },
            say.pollingBanner(session.name, dir),
          );
          if (guard.recording) void writeHealth();
        },
      },
    );
    guard.watched.set(session.name, watcher);
    return (await watcher.ready).directories;
  };

  // A worktree `up` is still filling is left alone until it is recorded filled (the poll takes it up).
  const all = (await getLiveSessions(project, guard.run)).filter((s) => !s.hasWorktree || guard.isReadyToWatch(s.name));
  const live = all.filter((s) => s.hasWorktree);
  // Watch first, then ask git: a file written while the watchers were being installed is
  // listed silently by them (the initial listing announces nothing), so only a reconcile that
  // starts after every directory is watched is sure to see it.
  const [directories] = await Promise.all([
    Promise.all(live.map(startWatching)).then((counts) => counts.reduce((a, b) => a + b, 0)),
    agentStates.start(),
    notes.start(),
    requests.start(order, (id) => Boolean(guard.run?.decisions?.[id])),
    // Alongside the watches, not before them: the advice is for the human, not a precondition.
    watcherKind === 'fs' && adviseOnFileSystems(live, (message) => emit({ type: 'error', code: 'EVENTLESS', message }, say.eventlessBanner())),
  ]);
  await reconcile(all);
  // Health first: once `ready` is out, the run's folder may be changed or deleted by others.
  if (guard.recording) await writeHealth();
  emit({
    type: 'ready',
    sessions: live.map((s) => s.name),
    directories,
    polled: guard.polling.length,
    ms: Math.round(performance.now() - started),
    watcher: watcherKind,
  });

  // The integration radar (`integrate: {every}`): findings are announced like violations.
  const radar = project.config.integrate
    ? startRadar(project, {
        isRecording,
        onError,
        onFinding: (session, finding) => emit({ type: 'integration', session, finding }, say.integrationBanner(session, finding), session),
        announcer,
      })
    : undefined;

  // The guard stops by itself once there is nothing left to guard, so that no guard outlives
  // its repository or its run.
  const finished = new AbortController();
  const stop = (reason: string) => {
    // A deleted repository takes its state and worktrees with it: say the cause, not a symptom.
    guard.stoppedBecause ??= existsSync(project.commonDir) ? reason : `its repository is gone (${project.root})`;
    finished.abort();
  };

  // Worktrees that appear later (a new `parx up`, a re-added worktree) are picked up here, once
  // the run state lists them filled (guard-state.ts, isReadyToWatch). The
  // poll stays cheap: no process is spawned unless something changed, since every spawn blocks
  // the event loop for a few ms and that is alert latency.
  const look = coalesce(
    async () => {
      if (!guard.recording && (await project.files.acquireGuardLock())) {
        guard.recording = true;
        emit({ type: 'role', role: 'recorder' });
      }
      if (guard.recording) {
        objects.watchNew();
        objects.sweep();
        await Promise.all([agentStates.inferFromPanes(guard.tmux.session), outboxes.relay()]);
      }
      if (await guard.refresh()) {
        announcer.remark(ledger.sessionsWithViolations());
        // Said in guard.json: `parx grant` (and a test) can tell the guard judges by the new ownership.
        if (guard.recording) await writeHealth();
      }
      if (guard.isRunOver()) return stop('the run is over: no session is left');
      const candidates = project.config.sessions.filter((s) => !guard.watched.has(s.name) && guard.isReadyToWatch(s.name));
      if (candidates.length === 0) return;
      // Each watched first, then asked git about: nothing written in between is missed.
      for (const session of await getLiveSessions(project, guard.run, candidates)) {
        await startWatching(session);
        emit({ type: 'watch', session: session.name, state: 'watching' });
        await reconcile([session]);
      }
      // Said in guard.json: what is guarded (`up` starts agents while the guard takes them up).
      if (guard.recording) await writeHealth();
    },
    (e) => emit({ type: 'error', message: e.message }),
  );
  const poll = setInterval(look, options.pollMs ?? 1000);
  // A grant rewrites state.json: the new ownership must judge the very next write (a session's
  // write into a path just granted away from it is reverted), so a change is acted on at once.
  const stateWatch = watchRunState(project, look);
  // A state.json replaced while the guard started (an `up` recording more sessions as their
  // worktrees became ready) is looked at now, not at the first poll.
  if (guard.isStale()) look();
  // Whether anything is left to guard, on a timer of its own with no await in it: nothing the
  // guard waits for elsewhere (a tmux or git call in a folder deleted under it) can hold it up.
  const liveness = setInterval(() => {
    if (!existsSync(project.commonDir)) return stop(`its repository is gone (${project.root})`);
    // A worktree root deleted while its files were being deleted may send no last event: look.
    for (const [name, watcher] of guard.watched) {
      if (existsSync(guard.worktrees.get(name)!)) continue;
      watcher.close();
      forgetWorktree(name);
    }
    if (guard.isStateGone()) stop('its run state is gone');
  }, options.pollMs ?? 1000);

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
  for (const watcher of guard.watched.values()) watcher.close();
  if (existsSync(project.commonDir)) {
    await announcer.close();
    await project.files.releaseGuardLock();
  }
  return { stoppedBecause: guard.stoppedBecause };
}

/**
 * What the guard follows besides the worktrees: the agents' reported states (hook-less ones
 * judged by pane silence), their questions, notes for agents without hooks, the sandboxed
 * sessions' outboxes and object folders.
 */
function startFollowers(project: Project, guard: GuardState, order: readonly string[], emit: GuardEmit) {
  const silent = new Set(project.config.sessions.filter((s) => !hasHooks(getSessionAgentKind(s.agent))).map((s) => s.name));
  const requests = new RequestFollower(project.files, (line, session) => {
    if (line.type === 'request') {
      const owner = guard.ownership.ownersOf(line.path).find((o) => o !== session);
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
  return { agentStates, notes, requests, outboxes, objects };
}

/**
 * `work` run on demand, never two at once: asked again while it runs, it runs once more after
 * (a grant that lands mid-look must still be acted on), not once per ask.
 */
function coalesce(work: () => Promise<void>, onError: (error: Error) => void): () => void {
  let running = false;
  let again = false;
  const run = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    work()
      .catch(onError)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
  };
  return run;
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
