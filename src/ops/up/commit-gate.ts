import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listStagedChanges } from '../../adapters/git.js';
import { enableWorktreeConfig, getHooksDir, setWorktreeHooksPath } from '../../adapters/git-worktrees.js';
import { quoteShellWord } from '../../core/agent-hooks.js';
import { judgeChange } from '../../core/changes.js';
import type { HookPolicy } from '../../core/hook-policy.js';
import { createOwnership } from '../../core/ownership.js';
import { getHookCommand } from './agent-hooks.js';
import type { Project } from '../common/project.js';

/**
 * `guard.commitHook: true`: a pre-commit gate in every session worktree that refuses a commit
 * whose staged files lie outside the session's ownership. It never replaces a hook the user
 * has: each session worktree gets its own `core.hooksPath` (a per-worktree setting) pointing at
 * parx's hook folder, where every client hook is a shim that runs the user's hook of that name
 * from the repository's own hooks folder; pre-commit runs the gate first.
 */

const CLIENT_HOOKS = [
  'applypatch-msg',
  'pre-applypatch',
  'post-applypatch',
  'pre-commit',
  'pre-merge-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'pre-rebase',
  'post-checkout',
  'post-merge',
  'pre-push',
  'pre-auto-gc',
  'post-rewrite',
  'reference-transaction',
];

/** The folder of the shims, where each session worktree's hooks are pointed. */
export function getCommitGateDir(project: Project): string {
  return join(project.files.dir, 'githooks');
}

/** Writes the shims: once per `up`, before any session starts (each is then pointAtCommitGate'd). */
export async function writeCommitGate(project: Project): Promise<void> {
  // The user's hooks folder as git resolves it (core.hooksPath honoured), before parx changes anything.
  const userHooks = await getHooksDir(project.root);
  const dir = getCommitGateDir(project);
  await mkdir(dir, { recursive: true });
  const gate = getHookCommand('pre-commit', project.commonDir);
  for (const name of CLIENT_HOOKS) {
    const user = quoteShellWord(join(userHooks, name));
    const lines = [
      '#!/bin/sh',
      `# parx (guard.commitHook): runs the repository's own ${name} hook${name === 'pre-commit' ? ' after the ownership gate' : ''}.`,
    ];
    if (name === 'pre-commit') lines.push(`${gate} || exit 1`);
    lines.push(`if [ -x ${user} ]; then exec ${user} "$@"; fi`, 'exit 0', '');
    await writeFile(join(dir, name), lines.join('\n'));
    await chmod(join(dir, name), 0o755);
  }
  await enableWorktreeConfig(project.root);
}

/** Points a session's worktree at the gate written by writeCommitGate. */
export async function pointAtCommitGate(worktree: string, dir: string): Promise<void> {
  await setWorktreeHooksPath(worktree, dir);
}

/**
 * The gate itself (`parx hook pre-commit`, run by git in the worktree): the staged changes of the
 * session being committed, judged like `parx check`. Returns the refusal, or undefined.
 */
export async function checkStagedChanges(policy: HookPolicy, session: string, worktree: string): Promise<string | undefined> {
  const staged = await listStagedChanges(worktree);
  const ownership = createOwnership(policy.sessions, policy.shared, policy.grants);
  const violations = staged.flatMap((c) => judgeChange(ownership, session, c) ?? []);
  if (violations.length === 0) return undefined;
  return [
    `parx: this commit changes ${violations.length} file(s) outside what session "${session}" owns:`,
    ...violations.map((v) => `  ${v.path}${v.owner ? ` (owned by ${v.owner})` : ' (owned by no session)'}`),
    'Unstage them (git restore --staged <path>) and leave them to their owner; the commit was refused.',
  ].join('\n');
}
