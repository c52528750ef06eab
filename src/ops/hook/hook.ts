import { findWorktreeTop, realpath } from '../../adapters/git-dir.js';
import { RunFiles } from '../../adapters/run-files.js';
import { getToolName, getWriteTargets, isRecord, LEAVING_TOOLS } from '../../core/hook-payload.js';
import { judgeWrites, type HookPolicy } from '../../core/hook-policy.js';
import { getApprovalReply, getMessageReply, type HookReply } from '../../core/hook-replies.js';
import { quoteShellWord } from '../../core/agent-hooks.js';
import type { AgentState } from '../../core/run-state.js';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * `parx hook <event>`: what an agent's hooks call. Kept to what a decision needs (no config
 * loading, and no git process unless a denial hinges on git's ignore rules: `parx up` wrote
 * the policy), because it runs on every file-writing tool call and the agent waits for it.
 *
 * Which run and which session a hook serves is fixed in its command line by `parx up`
 * (`--common-dir`, `--session`), never discovered from the payload's `cwd` or the process's:
 * those are the agent's to choose, and a `cwd` in a nested repository or outside the worktree
 * would otherwise find no policy and allow everything.
 *
 * Exit codes follow the agents' hook contract (the same for Claude Code, Codex and Gemini CLI):
 * 0 allow, 2 deny with the reason on stderr; anything else is a non-blocking error. `pre-commit`
 * is git's hook (guard.commitHook): 1 refuses the commit.
 */

export const HOOK_EVENTS = ['check-write', 'working', 'waiting', 'pre-commit'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export interface HookInput {
  payload: unknown;
  /** The hook process's working directory (git runs pre-commit at the worktree's top). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--common-dir`: the repository's git common dir, where the run's policy is. */
  commonDir: string | undefined;
  /** `--session`: the session whose agent runs this hook (not given for pre-commit). */
  session: string | undefined;
  /** `--agent`: which agent runs it (`claude`, `codex`, `gemini`), for the replies only it reads. */
  agent: string | undefined;
  /** Why the payload could not be read as JSON: a write whose targets parx cannot read is denied. */
  payloadError?: string;
}

export interface HookOutcome {
  exitCode: 0 | 1 | 2;
  /** For stderr: the reason shown to the agent when denied. */
  message?: string;
  /** For stdout: a reply in the agent's own hook format (an approval, messages for it). */
  reply?: HookReply;
}

/**
 * How long a write decision may take before the hook denies it. The agents wait 10 s for a hook
 * (the timeout parx gives each of them) and treat a hook they gave up on as no objection; a
 * decision held up by something a session planted (a FIFO where a `.gitignore` should be, a git
 * call in a nested repository) must end as a denial well before that.
 */
export const CHECK_WRITE_DEADLINE_MS = 5_000;

export async function runHook(event: HookEvent, input: HookInput): Promise<HookOutcome> {
  if (event !== 'check-write') return runHookEvent(event, input);
  // A write the hook cannot decide is denied: the agents read anything but exit 2 as "go ahead".
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<HookOutcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          exitCode: 2,
          message: `parx: could not decide within ${CHECK_WRITE_DEADLINE_MS / 1000} s whether this write is allowed, so it is denied. Try again; if it keeps happening, stop and report it to the human.`,
        }),
      CHECK_WRITE_DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([runHookEvent(event, input), deadline]);
  } catch (error) {
    return {
      exitCode: 2,
      message: `parx: could not decide whether this write is allowed (${(error as Error).message}), so it is denied. Stop and report it to the human.`,
    };
  } finally {
    clearTimeout(timer);
  }
}

async function runHookEvent(event: HookEvent, input: HookInput): Promise<HookOutcome> {
  if (!input.commonDir) {
    return {
      exitCode: event === 'check-write' ? 2 : 1,
      message: 'parx hook: no --common-dir; these hook settings come from an older parx: run `parx up` again',
    };
  }
  const files = new RunFiles(input.commonDir);
  // No policy file: the run is over (or never started), nothing of parx's to guard. One that is
  // there but cannot be read throws, and a write is then denied (runHook).
  const policy = await files.readPolicy();
  if (!policy) return { exitCode: 0 };
  if (policy.version !== 2) throw new Error(`the run's hook policy has version ${String(policy.version)}; run \`parx up\` again`);

  if (event === 'pre-commit') {
    // A git hook, not an agent's: exit 1 refuses the commit. The session is the worktree git
    // is committing in. Loaded only here (it runs git). (parx's own `--commit-wip` commit runs no
    // hook, so nothing, not even an environment variable an agent could set, lets a commit by.)
    const top = findWorktreeTop(input.cwd);
    const self = top && policy.sessions.find((s) => s.worktree === realpath(top));
    if (!self) return { exitCode: 0 };
    const { checkStagedChanges } = await import('../up/commit-gate.js');
    const refusal = await checkStagedChanges(policy, self.name, self.worktree);
    return refusal ? { exitCode: 1, message: refusal } : { exitCode: 0 };
  }

  const self = policy.sessions.find((s) => s.name === input.session);
  if (!self) {
    const message = `parx hook: session "${input.session ?? ''}" is not in this run; run \`parx up\` again`;
    return { exitCode: event === 'check-write' ? 2 : 1, message };
  }
  if (event === 'working' || event === 'waiting') {
    // Messages for the agent (`parx tell`, a grant) go in at a turn boundary its hooks can feed.
    const reply = await deliverMessages(files, self.name, input.agent, input.payload);
    await recordState(files, self.name, reply?.continues ? 'working' : event, input.payload);
    return { exitCode: 0, ...(reply && { reply }) };
  }

  if (input.payloadError !== undefined) throw new Error(`its hook payload is not JSON: ${input.payloadError}`);
  // A session at its budget is paused (ops/budget.ts): one small read of parx's own file.
  const paused = await readPause(files.dir, self.name);
  if (paused) {
    return {
      exitCode: 2,
      message: `parx: this session has reached its budget (${paused}). The human has been asked whether it may go on; do nothing more: end your turn now and wait.`,
    };
  }
  const tool = getToolName(input.payload);
  if (tool && LEAVING_TOOLS.has(tool)) {
    return {
      exitCode: 2,
      message: `parx: ${tool} is not available in a parx session: you work in this worktree (${self.worktree}), on its branch, and parx merges it; a worktree of your own would be outside what parx guards and lands. Go on here.`,
    };
  }
  const targets = getWriteTargets(input.payload);
  // Recorded alongside, never in the way: a state that cannot be written must not decide a write.
  const recording = recordState(files, self.name, 'working', input.payload);
  const outcome = await decideWrite(files, policy, self, targets, input);
  await recording;
  return outcome;
}

async function decideWrite(
  files: RunFiles,
  policy: HookPolicy,
  self: HookPolicy['sessions'][number],
  targets: ReturnType<typeof getWriteTargets>,
  input: HookInput,
): Promise<HookOutcome> {
  if (targets?.shell !== undefined) {
    const { getShellWriteTargets } = await import('../../core/shell-targets.js');
    const shell = getShellWriteTargets(targets.shell);
    // After a `cd`, a relative path means somewhere unknown: judge only the absolute ones.
    const home = process.env.HOME;
    const expanded = (shell?.paths ?? []).flatMap((p) => (p.startsWith('~/') ? (home ? [`${home}${p.slice(1)}`] : []) : [p]));
    targets.paths = expanded.filter((p) => !shell?.moved || isAbsolute(p));
  }
  if (!targets || targets.paths.length === 0) return { exitCode: 0 };
  // Every target as the file system will see it: relative ones (Codex patch headers) against the
  // agent's directory, and through every symlink, so `docs/link -> ../src/b` reaches src/b.
  const base = targets.cwd && isAbsolute(targets.cwd) ? targets.cwd : input.cwd;
  const paths = targets.paths.map((p) => realpath(resolve(base, p)));
  // A folder (`mkdir dist`) is matched against ignore rules as one: `dist/` ignores it.
  const folders = new Set(targets.paths.flatMap((p, i) => (p.endsWith('/') ? [paths[i]!] : [])));
  // Only a path about to be denied is checked against git's ignore rules (loaded lazily, so
  // the common case pays nothing for them). A path in another worktree or outside the session's
  // is absolute here: ignore rules do not apply to it.
  const ignored = new Set<string>();
  let decision = judgeWrites(policy, self.name, paths, (p) => ignored.has(p));
  while (
    !decision.allow &&
    !decision.path.startsWith('/') &&
    !ignored.has(decision.path) &&
    (await isIgnoredUntracked(policy, self.worktree, decision.path, folders.has(join(self.worktree, decision.path))))
  ) {
    ignored.add(decision.path);
    decision = judgeWrites(policy, self.name, paths, (p) => ignored.has(p));
  }
  if (decision.allow) {
    const reply = self.approve === 'ask' ? undefined : getApprovalReply(input.agent, targets.tool, decision.owned, decision.owned ? paths : []);
    return { exitCode: 0, ...(reply && { reply }) };
  }
  await files.appendSessionEvent(self.name, {
    type: 'denied',
    session: self.name,
    path: decision.path,
    tool: targets.tool,
    ...(decision.owner ? { owner: decision.owner } : {}),
  });
  // A path another session owns, in this session's worktree: ask its owner, through the human.
  const asked = decision.owner && !isAbsolute(decision.path) ? await askOwner(files, policy, self.name, decision.owner, decision.path, targets.tool) : '';
  return { exitCode: 2, message: `${decision.reason}${asked}` };
}

/**
 * Records a request for `path` (once: a second denial of the same path points at the first
 * request) and tells the agent how to give its reason. The request goes to the session's own
 * folder, the one place of the run its sandbox may write; the guard and `parx requests` read it.
 */
async function askOwner(files: RunFiles, policy: HookPolicy, session: string, owner: string, path: string, tool: string): Promise<string> {
  const { findOpenRequest, foldRequests, getNextRequestId } = await import('../../core/requests.js');
  const { createOwnership } = await import('../../core/ownership.js');
  const lines = await files.readRequestLines(session);
  const decisions = (await files.readState().catch(() => undefined))?.decisions ?? {};
  const requests = foldRequests(session, lines, decisions, createOwnership(policy.sessions, policy.shared, policy.grants));
  const refused = requests.findLast((r) => r.path === path && r.status === 'refused');
  if (refused)
    return ` The human refused request ${refused.id} for it${decisions[refused.id]?.why ? `: ${decisions[refused.id]!.why}` : ''}. Do not change it; go on without it.`;
  const open = findOpenRequest(requests, path);
  const id = open?.id ?? getNextRequestId(session, lines);
  if (!open) {
    await files.appendRequestLine(session, { type: 'request', id, path, tool, time: new Date().toISOString() });
    await files.appendSessionEvent(session, { type: 'request', session, id, from: session, owner, path });
  }
  const ask = getAskCommand(id, policy.commonDir);
  return ` parx has asked for it on your behalf (request ${id} to "${owner}"; the human decides). Say in one line what you need changed and why, by running: ${ask} '<reason>'. Then go on with the rest of your task; you will be told when the request is answered.`;
}

/** The command an agent runs to give its request a reason: this parx, by absolute paths. */
function getAskCommand(id: string, commonDir: string): string {
  return [process.execPath, resolve(process.argv[1] ?? 'parx'), 'ask', id, '--common-dir', commonDir].map(quoteShellWord).join(' ');
}

/** The undelivered messages of a session as its agent's hook reply, marked delivered. */
async function deliverMessages(files: RunFiles, session: string, agent: string | undefined, payload: unknown): Promise<HookReply | undefined> {
  // Runs on every working/waiting report: an empty inbox (the usual case) costs one failed open.
  const inbox = await files.readInbox(session);
  if (inbox.length === 0) return undefined;
  const delivered = await files.readInboxDelivered(session);
  if (inbox.length <= delivered) return undefined;
  const reply = getMessageReply(agent, payload, inbox.slice(delivered));
  if (reply) await files.writeInboxDelivered(session, inbox.length);
  return reply;
}

/**
 * Whether git ignores `path` in the worktree and does not track it. A tracked file is never
 * ignored (git shows its changes and merges them, whatever the ignore rules say), so an
 * ignore pattern cannot open another session's tracked files. Rules are read from the sources
 * `up` recorded (the same the guard reads).
 */
async function isIgnoredUntracked(policy: HookPolicy, worktree: string, path: string, folder: boolean): Promise<boolean> {
  const { GitIgnoreRules } = await import('../../adapters/gitignore.js');
  const rules = new GitIgnoreRules(policy.commonDir, policy.excludesFile);
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i++) rules.loadGitignore(worktree, parts.slice(0, i).join('/'));
  if (!rules.isIgnored(path, folder)) return false;
  const { isTracked } = await import('../../adapters/git.js');
  return !(await isTracked(worktree, path));
}

/** Best effort: the state is for the human's dashboard; failing to record it fails nothing else. */
async function recordState(files: RunFiles, session: string, state: AgentState, payload: unknown): Promise<void> {
  try {
    const detail = isRecord(payload) && typeof payload.message === 'string' ? payload.message : undefined;
    const previous = await files.readAgentState(session);
    // Every write checks in as "working": rewrite only on a change, or to refresh a minute-old record.
    if (previous?.state === state && previous.source === 'hook' && !detail && Date.now() - Date.parse(previous.time) < 60_000) return;
    await files.writeAgentState(session, { state, time: new Date().toISOString(), source: 'hook', ...(detail ? { detail } : {}) });
  } catch {
    // The session's own folder, which the session itself may have made unwritable.
  }
}

/** What a paused session reached (`<run>/budget/<session>.json`), or undefined when it is not paused. */
async function readPause(runDir: string, session: string): Promise<string | undefined> {
  const text = await readFile(join(runDir, 'budget', `${session}.json`), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    return (JSON.parse(text) as { reached?: string | null }).reached ?? undefined;
  } catch {
    return undefined;
  }
}
