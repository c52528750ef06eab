import { getSessionBranch } from '../core/session-names.js';
import { readFile } from 'node:fs/promises';
import { getCommit, runGit } from '../adapters/git.js';
import { describeVerdict, getStaleness, type IntegrationRecord } from '../core/integration.js';
import { describeReviewCell } from '../core/review.js';
import { getLandingReadiness } from '../core/landing.js';
import { findResolveRule } from './common/resolve.js';
import { readRecoverRecord } from './recover.js';
import type { Budget } from '../core/usage.js';
import { getSessionBudget, readBudgetPause, readSessionUsage, type BudgetPause } from './budget.js';
import { readSessionReview, type SessionReview } from './review/standing.js';
import { predictMerges } from '../adapters/git-merge.js';
import { isProcessAlive, type RunFiles } from '../adapters/run-files.js';
import { hasSession } from '../adapters/tmux.js';
import { listPanes, type PaneInfo } from '../adapters/tmux-panes.js';
import { getDependencyOrder } from '../core/order.js';
import { checkSessions } from './check.js';
import { loadProject, type ProjectOptions } from './common/project.js';
import { getLiveSessions } from './common/sessions.js';
import type { RunState } from '../core/run-state.js';
import type { SessionConfig } from '../core/config-validate.js';
import { getSessionAgentKind, hasHooks } from '../core/agent-hooks.js';
import { judgeAgentState } from '../core/agent-state.js';
import { listRequests } from './requests.js';
import { readHostedStatuses } from './hosts/status.js';

import type { SessionStatus, StatusResult } from './status-types.js';
export type { SessionStatus, StatusResult } from './status-types.js';

/** A session's review for status: none once it has landed (the verdicts speak of work now in base). */
function describeReview(review: SessionReview | undefined, landed: boolean): Pick<SessionStatus, 'review' | 'needsHuman'> {
  if (!review || landed) return { review: null, needsHuman: null };
  const { latest, stale, needsHuman, failures } = review.standing;
  return {
    review: latest
      ? {
          verdict: latest.verdict,
          tip: latest.tip,
          round: latest.round,
          stale,
          findings: latest.findings,
          by: latest.by,
          running: review.running !== undefined,
        }
      : review.running
        ? { verdict: null, tip: review.running, round: review.standing.nextRound, stale: false, findings: [], by: 'agent', running: true }
        : null,
    needsHuman: needsHuman ? `${failures} review(s) in a row asked for changes or failed: \`parx review show\`, then approve or reject` : null,
  };
}

/** `parx status`: everything about the run, touching nothing. */
export async function runStatus(options: ProjectOptions = {}): Promise<StatusResult> {
  const project = await loadProject(options);
  const { state } = project;
  // The hosts are asked at once, while this machine's sessions are read (one round trip per host).
  const hostedRows = readHostedStatuses<SessionStatus>(project, state, (session) => getEmptyStatus(session, state));
  const live = await getLiveSessions(project, state);
  const base = `refs/heads/${project.base}`;
  const withBranch = live.filter((s) => s.hasBranch && s.tip);
  const order = getDependencyOrder(project.config.sessions).filter((n) => withBranch.some((s) => s.name === n));

  // parx's own sync merges are not the agent's work: "finished" is judged by the agent's last commit.
  const syncs = new Map(
    await Promise.all(
      withBranch.map(
        async (s) =>
          [
            s.name,
            await readFile(project.files.syncRecordPath(s.name), 'utf8')
              .then((t) => (JSON.parse(t) as { commit?: string }).commit)
              .catch(() => undefined),
          ] as const,
      ),
    ),
  );
  const [checked, panes, reported, guard, allRequests, pending, notes, integration, baseTip, reviews, recovers, lockHolder, tipTimes, usages, pauses] =
    await Promise.all([
      checkSessions(project, live),
      state?.tmuxSession && (await hasSession(state.tmuxSession)) ? listPanes(state.tmuxSession) : ([] as PaneInfo[]),
      Promise.all(live.map((s) => project.files.readAgentState(s.name))),
      getGuardStatus(project.files),
      listRequests(project),
      Promise.all(live.map(async (s) => Math.max(0, (await project.files.readInbox(s.name)).length - (await project.files.readInboxDelivered(s.name))))),
      Promise.all(live.map(async (s) => (await project.files.readNotes(s.name)).slice(-5).map(({ text, time }) => ({ text, time })))),
      project.files.readIntegration(),
      getCommit(project.root, base),
      Promise.all(live.map((s) => readSessionReview(project, s.config, s.tip))),
      Promise.all(live.map((s) => readRecoverRecord(project, s.name))),
      project.files.readRunLockHolder(),
      getCommitTimes(
        project.root,
        withBranch.map((s) => getAgentsLastCommit(s.tip!, syncs.get(s.name))),
      ),
      Promise.all(live.map((s) => readSessionUsage(project, s.config, state).catch(() => null))),
      Promise.all(live.map((s) => readBudgetPause(project.files.dir, s.name))),
    ]);
  const requests = allRequests.filter((r) => r.status === 'open');
  const aheadOf = new Map(live.map((s, i) => [s.name, checked.sessions[i]!.ahead]));
  // One merge-tree process for every prediction: each branch into base, then each pair.
  const pairs = order
    .flatMap((a, i) => order.slice(i + 1).map((b) => [a, b] as [string, string]))
    .filter(([a, b]) => aheadOf.get(a)! > 0 && aheadOf.get(b)! > 0);
  // By the commits verified when the sessions were read, never by branch name: a commit made since
  // may not be in the shared store yet (adapters/session-objects.ts).
  const tipOf = new Map(withBranch.map((s) => [s.name, s.tip!]));
  const predictions = await predictMerges(project.root, [
    ...withBranch.map((s) => [base, s.tip!] as const),
    ...pairs.map(([a, b]) => [tipOf.get(a)!, tipOf.get(b)!] as const),
  ]);
  const intoBase = new Map(withBranch.map((s, i) => [s.name, predictions[i]!]));

  const result: StatusResult = {
    base: project.base,
    tmuxSession: state?.tmuxSession ?? null,
    sessions: live.map((s, i): SessionStatus => {
      const pane = panes.find((p) => p.session === s.name);
      const changes = checked.sessions[i]!;
      const prediction = intoBase.get(s.name);
      const landed = changes.landed ? { commit: changes.landed } : null;
      const gone = !s.hasBranch && !s.hasWorktree;
      const abandoned = gone && state?.abandoned?.[s.name] ? { backupRef: state.abandoned[s.name]!.backupRef } : null;
      return {
        name: s.name,
        branch: s.branch,
        tip: s.tip ?? null,
        worktree: s.worktree,
        pane: pane?.paneId ?? null,
        alive: Boolean(pane && !pane.dead),
        state:
          landed && !(pane && !pane.dead)
            ? 'landed'
            : abandoned
              ? 'abandoned'
              : judgeAgentState(pane, Boolean(state?.sessions[s.name]?.pane), reported[i]?.state),
        landed,
        abandoned,
        since: reported[i]?.time ?? null,
        hooks: !hasHooks(getSessionAgentKind(s.config.agent)) ? 'none' : reported[i]?.source === 'hook' ? 'active' : 'not-seen',
        sandbox: state?.sessions[s.name]?.sandbox ?? 'unknown',
        sandboxNotes: state?.sessions[s.name]?.sandboxNotes ?? [],
        hookNotes: state?.sessions[s.name]?.hookNotes ?? [],
        owns: s.config.owns,
        granted: (state?.grants ?? []).filter((g) => g.to === s.name).map((g) => g.path),
        requests: { asked: requests.filter((r) => r.from === s.name).length, toAnswer: requests.filter((r) => r.owner === s.name).length },
        pendingMessages: pending[i]!,
        forYou: notes[i]!,
        ahead: aheadOf.get(s.name)!,
        changed: changes.changed.map((c) => c.path),
        violations: changes.violations.map(({ path, kind, owner }) => (owner ? { path, kind, owner } : { path, kind })),
        collisions: checked.collisions.filter((c) => c.sessions.includes(s.name)),
        mergeable: prediction ? prediction.clean : null,
        conflicts: prediction?.conflicts ?? [],
        // A verdict on a branch that has landed speaks of nothing left.
        integration: landed ? null : describeIntegration(integration, s.name, s.tip, baseTip),
        objectsProblem: s.objectsProblem ?? null,
        ...withRecovery(describeReview(reviews[i], Boolean(landed)), recovers[i], Boolean(landed)),
        landing: null,
        usage: usages[i] ?? null,
        budget: describeBudget(getSessionBudget(state, s.config), pauses[i]),
        host: null,
        unreachable: null,
      };
    }),
    forecast: pairs.flatMap((pair, i) => {
      const p = predictions[withBranch.length + i]!;
      return p.clean ? [] : [{ sessions: pair, files: p.conflicts }];
    }),
    requests,
    grants: state?.grants ?? [],
    guard,
    // Over when every session has landed or been abandoned.
    finished:
      checked.sessions.length > 0 && live.every((s, i) => checked.sessions[i]!.landed || (!s.hasBranch && !s.hasWorktree && state?.abandoned?.[s.name])),
    ...(project.configNotice ? { configNotice: project.configNotice } : {}),
  };
  // A session paused at its budget waits for a human too.
  result.sessions.forEach((x, i) => {
    if (pauses[i]?.reached && !x.landed) x.needsHuman ??= `budget: it used ${pauses[i].reached}`;
  });
  if (project.config.land === 'auto') {
    const byName = new Map(result.sessions.map((x) => [x.name, x]));
    result.sessions.forEach((x, i) => {
      if (x.landed || x.abandoned) return;
      const reviewed = reviews[i];
      x.landing = getLandingReadiness({
        ahead: x.ahead,
        agent: {
          state: x.state === 'working' || x.state === 'waiting' || x.state === 'exited' ? x.state : 'unknown',
          since: x.since ? Date.parse(x.since) : undefined,
        },
        tipTime: tipTimes.get(getAgentsLastCommit(live[i]!.tip ?? '', syncs.get(x.name))) ?? 0,
        uncommitted: checked.sessions[i]!.uncommitted.length,
        violations: x.violations.length,
        // A dependency still running lands first, even before it has commits: its work is coming.
        unlandedDependencies: live[i]!.config.after.filter((d) => {
          const dep = byName.get(d);
          return dep !== undefined && !dep.landed && !dep.abandoned && (dep.ahead > 0 || dep.state !== 'not-started');
        }),
        review: reviewed?.settings.required && !reviewed.standing.passed ? describeReviewCell(x.review, false) : undefined,
        // A conflict a resolve rule regenerates is not one: `down` resolves it.
        conflicts: x.conflicts.filter((path) => !findResolveRule(project.config.resolve, path)),
        breaks: x.integration && !x.integration.stale && x.integration.result === 'breaks' ? x.integration.text : undefined,
        needsHuman: x.needsHuman ?? undefined,
        busy: lockHolder ? `parx ${lockHolder.command} to finish` : undefined,
        failedTip: recovers[i] && recovers[i].tip === x.tip ? { tries: recovers[i].tries, reason: recovers[i].reason } : undefined,
      });
    });
  }
  const hosted = (await hostedRows).map((row): SessionStatus => {
    const pane = panes.find((p) => p.session === row.name);
    // Its pane here shows the host's run; whether the agent runs is the host's to say.
    return { ...row, pane: pane?.paneId ?? null, alive: row.alive && Boolean(pane && !pane.dead) };
  });
  if (hosted.length > 0) {
    result.finished = (live.length === 0 || result.finished) && hosted.every((h) => h.landed);
    result.sessions.push(...hosted);
  }
  return result;
}

function describeBudget(budget: Budget | undefined, pause: BudgetPause | undefined): SessionStatus['budget'] {
  return budget ? { ...budget, reached: Boolean(pause?.reached) } : null;
}

/** The tries `recover: agent` made, and a need for a human it declared, beside the review's. */
function withRecovery(
  review: Pick<SessionStatus, 'review' | 'needsHuman'>,
  record: Awaited<ReturnType<typeof readRecoverRecord>>,
  landed: boolean,
): Pick<SessionStatus, 'review' | 'needsHuman' | 'recover'> {
  if (!record || landed) return { ...review, recover: null };
  return { ...review, needsHuman: review.needsHuman ?? record.needsHuman ?? null, recover: { tries: record.tries, reason: record.reason } };
}

/** The tip, or, when the tip is a `parx sync` merge, the agent's commit it merged base into (its first parent). */
function getAgentsLastCommit(tip: string, syncCommit: string | undefined): string {
  return syncCommit === tip ? `${tip}^1` : tip;
}

/** Committer time (ms) of each commit, in one git process (keyed as asked: `abc^1` too). */
async function getCommitTimes(root: string, commits: readonly string[]): Promise<Map<string, number>> {
  if (commits.length === 0) return new Map();
  const asked = [...new Set(commits)];
  const out = await runGit(root, ['show', '-s', '--format=%ct', ...asked]);
  const times = out.split('\n').filter(Boolean);
  return new Map(asked.map((commit, i) => [commit, Number(times[i]) * 1000] as const));
}

function describeIntegration(
  record: IntegrationRecord | undefined,
  session: string,
  tip: string | undefined,
  baseTip: string | undefined,
): SessionStatus['integration'] {
  const verdict = record?.sessions[session];
  if (!record || !verdict) return null;
  return { result: verdict.kind, text: describeVerdict(verdict), stale: getStaleness(record, session, tip, baseTip) ?? null, time: record.time };
}

async function getGuardStatus(files: RunFiles): Promise<StatusResult['guard']> {
  const [pid, health] = await Promise.all([files.readGuardPid(), files.readGuardHealth()]);
  const running = pid !== undefined && isProcessAlive(pid);
  return { running, pid: running ? pid : null, polling: running && health?.pid === pid ? health.polling : [] };
}

/** A hosted session the host is not asked about: not started there yet, or landed and gone. */
function getEmptyStatus(session: SessionConfig, state: RunState | undefined): SessionStatus {
  const landed = state?.down?.merged[session.name];
  return {
    name: session.name,
    branch: getSessionBranch(session.name),
    tip: null,
    worktree: state?.hosted?.[session.name]?.worktree ?? '',
    pane: null,
    alive: false,
    state: landed ? 'landed' : 'not-started',
    landed: landed ? { commit: landed } : null,
    abandoned: null,
    since: null,
    hooks: 'none',
    sandbox: 'unknown',
    sandboxNotes: [],
    hookNotes: [],
    owns: session.owns,
    granted: [],
    requests: { asked: 0, toAnswer: 0 },
    pendingMessages: 0,
    forYou: [],
    ahead: 0,
    changed: [],
    violations: [],
    collisions: [],
    mergeable: null,
    conflicts: [],
    integration: null,
    objectsProblem: null,
    review: null,
    needsHuman: null,
    recover: null,
    landing: null,
    usage: null,
    budget: null,
    host: session.host!,
    unreachable: null,
  };
}
