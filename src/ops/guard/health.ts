import { readFileSync } from 'node:fs';

/**
 * What the guard says when the kernel refuses to watch a folder, with the fix. The folder is
 * polled instead, which is slower and heavier: the user should know, and can usually fix it.
 */
export function describeWatchFailure(session: string, dir: string, code: string | undefined): string {
  const where = `${session}: cannot watch ${dir || 'its worktree'} (${code ?? 'error'}); polling it instead`;
  switch (code) {
    case 'ENOSPC': {
      const limit = readLimit('max_user_watches');
      return `${where}. The inotify watch limit (fs.inotify.max_user_watches${limit ? ` = ${limit}` : ''}) is reached: raise it with \`sudo sysctl fs.inotify.max_user_watches=524288\`, and add that line to /etc/sysctl.d/99-inotify.conf to keep it`;
    }
    case 'EMFILE':
      return `${where}. Too many open files or inotify instances (fs.inotify.max_user_instances${readLimit('max_user_instances') ? ` = ${readLimit('max_user_instances')}` : ''}): raise \`ulimit -n\` or \`sudo sysctl fs.inotify.max_user_instances=1024\``;
    case 'EACCES':
    case 'EPERM':
      return `${where}. No permission to watch it: check its owner and mode`;
    default:
      return where;
  }
}

function readLimit(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/fs/inotify/${name}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
