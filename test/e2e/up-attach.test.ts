import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunFixture } from '../helpers/fixture.js';
import { PARX_BIN, waitFor } from '../helpers/parx.js';
import { killTmuxServer, tmuxOut } from '../helpers/tmux.js';

/**
 * Attaching needs a terminal, so parx runs here inside a tmux pane, which has one. An "outer"
 * tmux server on its own socket plays the human's terminal; parx's grid lives on the test's
 * default server (both under the test's TMUX_TMPDIR).
 */
const outer = (...args: string[]) =>
  execFileSync('tmux', ['-L', 'outer', '-f', '/dev/null', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

afterEach(async () => {
  try {
    outer('kill-server');
  } catch {
    // not started
  }
  await killTmuxServer();
});

const clientsOf = (session: string) => {
  try {
    return tmuxOut('list-clients', '-t', `=${session}`, '-F', '#{client_session}');
  } catch {
    return '';
  }
};

// Runs a command in a pane and keeps the pane's last screen after it ends, with its exit code.
const keepScreen = (...argv: string[]) => ['sh', '-c', '"$@"; echo "EXIT=$?"; exec sleep 600', 'sh', ...argv];

const solo = () => createRunFixture({ solo: { owns: ['src/**'], task: 'Wait.' } });

describe('parx up on a terminal', () => {
  it('attaches the terminal to the grid when run outside tmux', async () => {
    const run = solo();
    outer('new-session', '-d', '-s', 'human', '-x', '160', '-y', '40', '-c', run.root, '--', 'env', '-u', 'TMUX', process.execPath, PARX_BIN, 'up');
    await waitFor('a client attached to parx-repo', () => (clientsOf('parx-repo') === 'parx-repo' ? true : undefined));
    // The human's terminal shows the grid: the pane border names the session.
    await waitFor('the grid on screen', () => (outer('capture-pane', '-p', '-t', '=human:').includes('solo') ? true : undefined));
  });

  it('switches the current client inside tmux', async () => {
    const run = solo();
    tmuxOut('new-session', '-d', '-s', 'work', '-x', '160', '-y', '40', '-c', run.root, '--', 'sh', '-c', 'exec sleep 600');
    outer('new-session', '-d', '-s', 'human', '-x', '160', '-y', '40', '--', 'env', '-u', 'TMUX', 'tmux', 'attach-session', '-t', '=work');
    await waitFor('the human attached to work', () => (clientsOf('work') === 'work' ? true : undefined));
    tmuxOut('respawn-pane', '-k', '-t', '=work:', '-c', run.root, '--', ...keepScreen(process.execPath, PARX_BIN, 'up'));
    await waitFor('the client switched to parx-repo', () => (clientsOf('parx-repo') === 'parx-repo' ? true : undefined));
  });

  it('prints how to attach when inside tmux with no client to switch', async () => {
    const run = solo();
    tmuxOut('new-session', '-d', '-s', 'work', '-x', '160', '-y', '40', '-c', run.root, '--', ...keepScreen(process.execPath, PARX_BIN, 'up'));
    const screen = await waitFor('parx to finish', () => {
      const text = tmuxOut('capture-pane', '-p', '-J', '-t', '=work:');
      return text.includes('EXIT=') ? text : undefined;
    });
    expect(screen).toContain('Attach with: tmux attach -t parx-repo');
    expect(screen).toContain('EXIT=0');
  });
});
