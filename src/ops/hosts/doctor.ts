import { runHostVerb } from '../../adapters/ssh.js';
import { getPackageVersion } from '../../package-root.js';
import type { Project } from '../common/project.js';
import { forEachHost } from './connection.js';

/**
 * `parx doctor` for the configured hosts (docs/hosts.md): each reached over ssh in batch mode,
 * its parx found and of this version. Changes nothing there (the clone is made by `up`).
 */
export async function checkHosts(project: Project): Promise<Array<{ name: string; status: 'ok' | 'problem'; detail: string; fix?: string }>> {
  const answers = await forEachHost(project, project.config.hosted, (host) => runHostVerb<{ version: string }>(host, 'version', { dir: host.dir }));
  return answers.map((answer) => {
    const name = `host ${answer.host.name}`;
    if (!answer.ok)
      return {
        name,
        status: 'problem',
        detail: answer.reason,
        fix: answer.unreachable
          ? `check that \`ssh -o BatchMode=yes ${answer.host.ssh} true\` works from here (a key in your agent or ~/.ssh/config; parx never asks for a password)`
          : `install parx ${getPackageVersion()} on ${answer.host.name}, or set hosts.${answer.host.name}.parx to its command there`,
      };
    if (answer.value.version !== getPackageVersion())
      return {
        name,
        status: 'problem',
        detail: `parx ${answer.value.version} there, ${getPackageVersion()} here`,
        fix: `install parx ${getPackageVersion()} on ${answer.host.name} (both ends speak one protocol)`,
      };
    return { name, status: 'ok', detail: `${answer.host.ssh}: parx ${answer.value.version}, clone ${answer.host.dir}` };
  });
}
