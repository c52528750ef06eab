import { pushBase } from '../../adapters/git-hosts.js';
import { getHostPaneArgv, HostCommandError, runHostVerb, type SshHost } from '../../adapters/ssh.js';
import type { SessionConfig } from '../../core/config-validate.js';
import { getHostRunConfig } from '../../core/hosts.js';
import { getPackageVersion } from '../../package-root.js';
import type { Project } from '../common/project.js';
import { forEachHost } from './connection.js';

/**
 * `parx up` for hosted sessions (docs/hosts.md): per host, at once: the clone made or brought up
 * to date (base pushed over git's ssh transport, fast-forwarded there), then the host's parx runs
 * `up` for its sessions from this run's configuration, exactly as a local `up` does (worktree,
 * sandbox, hooks, its own guard). Here each gets a pane that shows the host's run.
 */

export interface HostedStart {
  session: string;
  host: string;
  branch: string;
  /** Its worktree, on the host. */
  worktree: string;
  /** The local pane's argv: the host's tmux session, attached over ssh. */
  argv: string[];
}

export interface HostsStarted {
  started: HostedStart[];
  /** Hosts whose sessions did not start, with why. */
  failed: Array<{ host: string; sessions: string[]; reason: string }>;
}

interface HostUp {
  tmuxSession: string;
  sessions: Array<{ name: string; branch: string; worktree: string }>;
}

export async function startHostedSessions(project: Project, sessions: readonly SessionConfig[], baseTip: string): Promise<HostsStarted> {
  const answers = await forEachHost(project, sessions, async (host, group) => {
    await prepareClone(project, host, baseTip);
    return runHostVerb<HostUp>(
      host,
      'up',
      { dir: host.dir, base: project.base, config: getHostRunConfig(project.config, project.base, group), sessions: group.map((s) => s.name) },
      ['sessions'],
    );
  });
  const result: HostsStarted = { started: [], failed: [] };
  for (const answer of answers) {
    if (!answer.ok) {
      result.failed.push({ host: answer.host.name, sessions: answer.sessions.map((s) => s.name), reason: answer.reason });
      continue;
    }
    for (const s of answer.value.sessions)
      result.started.push({
        session: s.name,
        host: answer.host.name,
        branch: s.branch,
        worktree: s.worktree,
        argv: getHostPaneArgv(answer.host, ['attach', answer.host.dir]),
      });
  }
  return result;
}

/**
 * The host's clone exists and its parx is this one's version (one protocol, no negotiation),
 * then base is sent: only the objects the host lacks cross.
 */
export async function prepareClone(project: Project, host: SshHost, baseTip: string): Promise<void> {
  const { version } = await runHostVerb<{ version: string }>(host, 'prepare', { dir: host.dir, base: project.base });
  if (version !== getPackageVersion())
    throw new HostCommandError(
      `host ${host.name} has parx ${version}, this machine ${getPackageVersion()}: install the same version there (hosts.${host.name}.parx names the command)`,
    );
  await pushBase(project.root, host, baseTip);
}
