import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A real OpenSSH server on 127.0.0.1 for the hosted-session tests: Debian's sshd with its own host
 * key, port and authorized key, started in a private mount namespace where a tmpfs covers the
 * host's folder. So the host's files (its clone, worktrees, tmux server, run folder) are visible
 * only to what runs over ssh: the local parx reaches them through ssh and git, or not at all.
 *
 * The client side is the real ssh too, found on PATH as parx finds it: `bin/ssh` here runs
 * /usr/bin/ssh with this server's client config (ssh reads ~/.ssh/config from the passwd home,
 * not $HOME, so a wrapper is how a test gives it one). The host alias is `parxbox`.
 */

/** Why sshd tests cannot run here, or undefined when they can. */
export function getSshdProblem() {
  if (!existsSync('/usr/sbin/sshd')) return 'sshd is not installed (Debian package openssh-server; .ci/run installs it)';
  if (process.getuid?.() !== 0) return 'sshd in a private mount namespace needs root (CI runs as root)';
  return undefined;
}

/** @returns {Promise<import('./sshd.d.mts').TestSshd>} */
export async function startSshd() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'parx-sshd-')));
  const hostDir = join(root, 'host');
  const binDir = join(root, 'bin');
  mkdirSync(hostDir);
  mkdirSync(binDir);
  mkdirSync('/run/sshd', { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(root, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(root, 'client_key')]);
  writeFileSync(join(root, 'authorized_keys'), readFileSync(join(root, 'client_key.pub')));
  const port = await findFreePort();
  const nodeDir = dirname(process.execPath);
  writeFileSync(
    join(root, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${root}/host_key`,
      `AuthorizedKeysFile ${root}/authorized_keys`,
      `PidFile ${root}/sshd.pid`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'MaxSessions 100',
      'MaxStartups 100',
      // The host's tmux server and home live in the host's folder, apart from the test's own; its
      // git identity is the test's.
      `SetEnv TMUX_TMPDIR=${hostDir}/tmux HOME=${hostDir}/home GIT_CONFIG_GLOBAL=${root}/gitconfig GIT_CONFIG_NOSYSTEM=1 PATH=${nodeDir}:/usr/local/bin:/usr/bin:/bin`,
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  writeFileSync(join(root, 'gitconfig'), '[user]\n  name = parx host\n  email = host@parx.invalid\n[init]\n  defaultBranch = main\n[gc]\n  auto = 0\n');
  writeFileSync(join(root, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(join(root, 'host_key.pub'), 'utf8')}`);
  writeFileSync(
    join(root, 'ssh_config'),
    [
      'Host parxbox',
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      '  User root',
      `  IdentityFile ${root}/client_key`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${root}/known_hosts`,
      '  StrictHostKeyChecking yes',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );
  writeFileSync(join(binDir, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F '${root}/ssh_config' "$@"\n`);
  chmodSync(join(binDir, 'ssh'), 0o755);

  const sshd = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      'mount -t tmpfs tmpfs "$1" && mkdir -p "$1/tmux" "$1/home" && exec /usr/sbin/sshd -D -e -f "$2"',
      'sh',
      hostDir,
      join(root, 'sshd_config'),
    ],
    // Its own process group: stop() ends the connections' processes with it (a ControlMaster keeps
    // one alive for minutes, holding sshd's stderr and with it this process).
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let log = '';
  sshd.stderr.on('data', (chunk) => (log += chunk.toString()));
  const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}` };
  const run = (command) => execFileSync('ssh', ['-o', 'BatchMode=yes', 'parxbox', command], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // Ready when a login works (the listening socket alone is not enough: keys load after).
  for (const deadline = Date.now() + 10_000; ;) {
    try {
      run('true');
      break;
    } catch (error) {
      if (Date.now() > deadline || sshd.exitCode !== null) throw new Error(`sshd did not start: ${log}\n${error.message}`, { cause: error });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    binDir,
    hostDir,
    port,
    run,
    async stop() {
      try {
        run('tmux kill-server 2>/dev/null; true');
      } catch {
        // already gone
      }
      const exited = sshd.exitCode === null ? new Promise((r) => sshd.once('exit', r)) : Promise.resolve();
      try {
        process.kill(-sshd.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await exited;
      sshd.stderr.destroy();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** @returns {Promise<number>} */
async function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
