import { findRefusedPaths } from '../../core/refused-writes.js';
import { RefusedError } from '../../core/errors.js';
import type { HostsStarted } from '../hosts/start.js';
import type { PreparedWorktree, UnpreparedWorktree } from './worktrees.js';

/**
 * Why some sessions did not start, and what to do: a worktree that could not be made, or a
 * setup that failed. A setup runs in its session's sandbox, where only what the session may
 * change is writable: when its output names read-only paths of the worktree (`npm install`
 * writing a lockfile at the top, where the session owns nothing), say which, and the two keys
 * that open one.
 */
export function describeUnprepared(
  unprepared: readonly UnpreparedWorktree[],
  failed: readonly PreparedWorktree[],
  ready: readonly PreparedWorktree[],
  sandboxed: ReadonlySet<string>,
  hosts: HostsStarted,
): RefusedError {
  const names = [...unprepared.map((u) => u.action.session), ...failed.map((f) => f.action.session), ...hosts.failed.flatMap((h) => h.sessions)];
  const lines: string[] = [
    ...unprepared.map((u) => `── ${u.action.session}: ${u.failure}`),
    ...hosts.failed.map((h) => `── ${h.sessions.join(', ')} (host ${h.host}): ${h.reason}`),
  ];
  for (const f of failed) {
    const session = f.action.session;
    lines.push(`── ${session}: setup failed (exit ${f.setup!.exitCode ?? 'signal'}) ──`, ...f.setup!.output.trimEnd().split('\n').slice(-30));
    const refused = sandboxed.has(session) ? findRefusedPaths(f.setup!.output, f.action.path) : [];
    if (refused.length > 0) {
      const shown = refused.slice(0, 3).join(', ');
      lines.push(
        `   setup runs in ${session}'s OS sandbox, where only what ${session} may change is writable, and it could not write ${shown}.`,
        `   To let every session's setup write ${refused.length > 1 ? 'them' : 'it'}: add ${refused.length > 1 ? 'them' : 'it'} to \`shared:\` (any session may change and commit ${refused.length > 1 ? 'them' : 'it'}), or to \`writable:\` (writable, never merged unless owned), then run \`parx up\` again.`,
      );
    }
  }
  const started = [...ready.map((r) => r.action.session), ...hosts.started.map((h) => h.session)];
  return new RefusedError(
    `${[
      unprepared.length > 0 && `no worktree could be made for ${unprepared.map((u) => u.action.session).join(', ')}`,
      failed.length > 0 && `setup failed in ${failed.map((f) => f.action.session).join(', ')}`,
      hosts.failed.length > 0 && `host ${hosts.failed.map((h) => h.host).join(', ')} could not start ${hosts.failed.flatMap((h) => h.sessions).join(', ')}`,
    ]
      .filter(Boolean)
      .join(
        '; ',
      )}; ${names.length === 1 ? 'its agent was' : 'their agents were'} not started${started.length > 0 ? ` (${started.join(', ')} started)` : ''}. Fix it and run \`parx up\` again: the worktrees are kept, and ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} retried`,
    lines,
  );
}
