import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { probeBwrap, SECCOMP_FD, wrapInSandbox, type SandboxProbe } from '../../adapters/bwrap.js';
import { resolveGitDir } from '../../adapters/git-dir.js';
import { getUserGitDir, readBranchFile, realpath } from '../../adapters/git.js';
import { linkSessionBranch, restorePlainBranch, storeBranchInSessionFolder } from '../../adapters/sandbox-branches.js';
import { getSandboxTipRef } from '../../core/session-names.js';
import { readUntrustedBytes, writeFileAtomically } from '../../adapters/untrusted-files.js';
import { drainSessionObjects, getSharedObjectsMount, prepareSessionObjects } from '../../adapters/session-objects.js';
import { getSessionAgentKind } from '../../core/agent-hooks.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { UsageError } from '../../core/errors.js';
import type { OwnershipGrant } from '../../core/ownership.js';
import { planSandboxMounts, toBwrapArgs, type SandboxFacts, type SandboxMount } from '../../core/sandbox-plan.js';
import { getMknodFilter } from '../../core/seccomp.js';
import type { Project } from './project.js';
import { gatherOutsideFacts, HOME_COPIED_FILES } from './sandbox-outside.js';
import { gatherWorktreeFacts } from './sandbox-worktree.js';

/**
 * A session's OS sandbox (bubblewrap): gathers the facts (the worktree's in sandbox-worktree.ts,
 * git's here, the rest of the machine's in sandbox-outside.ts), plans the mounts purely
 * (core/sandbox-plan.ts) and writes bwrap's options and seccomp filter to files of the run
 * (read-only to every session). Grants change a running sandbox in sandbox-grants.ts.
 */

export interface SessionSandbox {
  enabled: boolean;
  /** Why it is off, or a remark about what was left closed. */
  notes: string[];
  /** bwrap and the files of its options (the pane's, and setup's) and seccomp filter, when enabled. */
  program?: string;
  argsFile?: string;
  setupArgsFile?: string;
  seccompFile?: string;
  args?: string[];
  mounts?: SandboxMount[];
}

/** Decides, per session, whether it runs sandboxed: `on` refuses when bwrap cannot work here. */
export async function decideSandbox(sessions: readonly SessionConfig[]): Promise<{ probe: SandboxProbe | undefined; enabled: Set<string> }> {
  const wanted = sessions.filter((s) => s.sandbox !== 'off');
  if (wanted.length === 0) return { probe: undefined, enabled: new Set() };
  const probe = await probeBwrap();
  if (!probe.ok) {
    const required = sessions.filter((s) => s.sandbox === 'on').map((s) => s.name);
    if (required.length > 0) throw new UsageError(`sandbox: on for ${required.join(', ')}, but ${probe.reason}`);
    return { probe, enabled: new Set() };
  }
  return { probe, enabled: new Set(wanted.map((s) => s.name)) };
}

export interface SandboxContext {
  probe: SandboxProbe | undefined;
  enabled: ReadonlySet<string>;
  /** The tmux server's socket: hidden, or a session could type into any pane, the human's shell included. */
  tmuxSocket: string | undefined;
  /** git's user-wide config and ignore files, kept read-only. */
  gitSources: readonly string[];
  /** Ignore rules as base, the repository and the user-wide snapshot have them (read once per `up`). */
  ignoreRules: readonly string[];
  /** The run's grants so far (a restarted pane's sandbox keeps them). */
  grants: readonly OwnershipGrant[];
}

/**
 * The ignore rules the sandbox opens build folders from: base's .gitignore (not the worktree's,
 * which the session may have edited), the repository's info/exclude, and `up`'s snapshot of the
 * user-wide ignore file.
 */
export async function readIgnoreRules(project: Project, excludesSnapshot: string): Promise<string[]> {
  const [base, exclude, user] = await Promise.all([
    readBranchFile(project.root, project.base, '.gitignore'),
    readFile(join(project.commonDir, 'info', 'exclude'), 'utf8').catch(() => ''),
    readFile(excludesSnapshot, 'utf8').catch(() => ''),
  ]);
  return [base ?? '', exclude, user].flatMap((text) => text.split('\n'));
}

/**
 * Prepares the sandbox of one session whose worktree exists: everything opened exists, the
 * session's branch lives in its own folder, its object folder is ready, and the options are
 * written. A session that runs unsandboxed gets its branch back as a plain branch, and whatever
 * its object folder holds is brought into the shared store (its index may name those objects).
 */
export async function prepareSessionSandbox(
  project: Project,
  session: SessionConfig,
  worktree: string,
  context: SandboxContext,
  /** The worktree was just made on a branch in the session's own folder (registerSandboxedWorktree). */
  branchInFolder = false,
): Promise<SessionSandbox> {
  if (!context.enabled.has(session.name) || !context.probe?.ok) {
    await drainSessionObjects(project.root, project.commonDir, session.name);
    await restorePlainBranch(project.root, session.name, worktree);
    const why = session.sandbox === 'off' ? 'sandbox: off in the config' : context.probe && !context.probe.ok ? context.probe.reason : 'off';
    return { enabled: false, notes: [why] };
  }
  const realWorktree = realpath(worktree);
  if (branchInFolder) await linkSessionBranch(project.root, session.name);
  else await storeBranchInSessionFolder(project.root, session.name, worktree);

  const { open, close, notes } = await gatherWorktreeFacts(project, session, realWorktree, context.ignoreRules, context.grants);
  const commonDir = realpath(project.commonDir);
  const gitDir = resolveGitDir(realWorktree);
  if (!gitDir) throw new UsageError(`${worktree} has no .git link to its repository; remove the worktree and run \`parx up\` again`);
  const adminDir = realpath(gitDir);
  if (relative(join(commonDir, 'worktrees'), adminDir).startsWith('..')) {
    throw new UsageError(
      `the git folder of ${worktree} (${adminDir}) is not one of this repository's worktrees; remove the worktree and run \`parx up\` again`,
    );
  }
  const tipRef = getSandboxTipRef(session.name);
  const refFolder = join(commonDir, dirname(tipRef));
  const logFolder = join(commonDir, 'logs', dirname(tipRef));
  const outbox = project.files.agentDir(session.name);
  const [objects] = await Promise.all([
    prepareSessionObjects(commonDir, session.name),
    ...[refFolder, logFolder, outbox].map((d) => mkdir(d, { recursive: true })),
  ]);
  const worktreeConfig = join(adminDir, 'config.worktree');
  if (!existsSync(worktreeConfig)) await writeFile(worktreeConfig, '');

  // A Gemini session's own Gemini folder (ops/up/agent-hooks.ts): writable, but its settings.
  const gemini = getSessionAgentKind(session.agent) === 'gemini' ? join(project.files.geminiHome(session.name), '.gemini') : undefined;
  if (gemini) await mkdir(gemini, { recursive: true });
  const outside = await gatherOutsideFacts({
    env: { ...project.config.env, ...session.env },
    writable: project.config.writable.filter((w) => w.startsWith('/') || w.startsWith('~')),
    tmuxSocket: context.tmuxSocket,
    sockets: project.config.guard.sockets,
  });
  const facts: SandboxFacts = {
    worktree: realWorktree,
    open,
    close,
    protect: [
      { path: realpath(project.root), why: 'the main checkout' },
      { path: realpath(project.worktreeDir), why: "every session's worktree" },
      { path: commonDir, why: "git's data and parx's run files" },
    ],
    gitWritable: [
      { path: adminDir, why: "this worktree's index, HEAD and logs" },
      // Its own object folder where git looks for the store: it cannot touch an existing object.
      { path: join(commonDir, 'objects'), source: objects, why: "this session's own objects (the shared store is its alternate)" },
      { path: refFolder, why: "this session's branch" },
      { path: logFolder, why: "this session's branch log" },
      { path: outbox, why: "what this session's agent hooks report" },
    ],
    gitReadOnly: [
      ...['commondir', 'gitdir', 'config.worktree']
        .map((f) => ({ path: join(adminDir, f), why: 'points git at its repository and config' }))
        .filter((e) => existsSync(e.path)),
      { path: getSharedObjectsMount(commonDir), source: join(commonDir, 'objects'), why: 'the shared object store, read-only' },
      ...[...context.gitSources, getUserGitDir()].filter((p) => existsSync(p)).map((p) => ({ path: realpath(p), why: "git's user-wide config" })),
    ],
    ...outside,
    ...(gemini && {
      writableOutside: [...outside.writableOutside, { path: realpath(gemini), why: "this session's Gemini folder (its project registry)" }],
      stateReadOnly: [...(outside.stateReadOnly ?? []), { path: join(realpath(gemini), 'settings.json'), why: "Gemini's settings with parx's hooks" }],
    }),
  };
  const mounts = planSandboxMounts(facts);
  const args = [...toBwrapArgs(mounts), '--seccomp', String(SECCOMP_FD)];
  const dir = join(project.files.dir, 'sandbox');
  await mkdir(dir, { recursive: true });
  const argsFile = join(dir, `${session.name}.args`);
  const setupArgsFile = join(dir, `${session.name}.setup.args`);
  const seccompFile = await ensureSeccompFilter(dir);
  // `setup` runs before the tmux server may exist: a hidden socket folder that is not there yet
  // is left out of its sandbox (there is nothing to hide, and bwrap would make the folder).
  // Likewise a file that `up` writes after setup (Gemini's settings).
  const setupArgs = [
    ...toBwrapArgs(
      mounts.filter((m) => !(m.kind === 'hide' || m.kind === 'ro' || m.kind === 'rw') || existsSync(m.kind === 'hide' ? m.path : (m.source ?? m.path))),
    ),
    '--seccomp',
    String(SECCOMP_FD),
  ];
  // Whole, by rename: a pane of this session may be starting from the file right now.
  await Promise.all([writeFileAtomically(argsFile, `${args.join('\0')}\0`), writeFileAtomically(setupArgsFile, `${setupArgs.join('\0')}\0`)]);
  return { enabled: true, notes, program: context.probe.program, argsFile, setupArgsFile, seccompFile, args, mounts };
}

/**
 * The seccomp filter every sandbox loads, in the run's sandbox folder: written once (whole, by
 * rename), since sandboxes of other sessions may be starting from it at this very moment.
 */
export async function ensureSeccompFilter(dir: string): Promise<string> {
  const path = join(dir, 'mknod.bpf');
  const filter = getMknodFilter();
  const current = await readUntrustedBytes(path, filter.length + 1);
  if (!current?.equals(filter)) await writeFileAtomically(path, filter);
  return path;
}

/** `setup` in the same sandbox as the agent: the argv that runs `sh -c <setup>` there. */
export function getSetupWrapper(sandbox: SessionSandbox): string[] {
  if (!sandbox.enabled || !sandbox.program || !sandbox.setupArgsFile || !sandbox.seccompFile) return [];
  return wrapInSandbox(sandbox.program, { args: sandbox.setupArgsFile, seccomp: sandbox.seccompFile }, [], []);
}

/** The pane's argv inside the sandbox. */
export function getSandboxedArgv(sandbox: SessionSandbox, argv: readonly string[]): string[] {
  if (!sandbox.enabled || !sandbox.program || !sandbox.argsFile || !sandbox.seccompFile) return [...argv];
  const home = sandbox.mounts?.find((m) => m.kind === 'scratch');
  return wrapInSandbox(
    sandbox.program,
    { args: sandbox.argsFile, seccomp: sandbox.seccompFile },
    home ? HOME_COPIED_FILES.map((f) => join(home.path, f)) : [],
    argv,
  );
}
