import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Isolates every test file from the developer's machine: its own HOME (so no ~/.gitconfig or
 * ~/.tmux.conf), a fixed git identity, and its own tmux server directory (TMUX_TMPDIR), with
 * TMUX unset so nothing talks to the tmux the tests were started from.
 */
const sandbox = mkdtempSync(join(tmpdir(), 'parx-test-'));
const home = join(sandbox, 'home');
mkdirSync(home);
writeFileSync(
  join(home, '.gitconfig'),
  [
    '[user]',
    '  name = parx test',
    '  email = test@parx.invalid',
    '[init]',
    '  defaultBranch = main',
    '[commit]',
    '  gpgsign = false',
    '[gc]',
    '  auto = 0',
    '[advice]',
    '  detachedHead = false',
    '',
  ].join('\n'),
);
process.env.HOME = home;
process.env.XDG_CONFIG_HOME = join(home, '.config');
process.env.GIT_CONFIG_NOSYSTEM = '1';
process.env.TMUX_TMPDIR = join(sandbox, 'tmux');
mkdirSync(process.env.TMUX_TMPDIR);
process.env.NO_COLOR = '1';
process.env.SHELL = '/bin/sh';
delete process.env.TMUX;
delete process.env.TMUX_PANE;
delete process.env.CLAUDECODE;
