import { attachOrSwitch } from '../../adapters/tmux.js';
import { runUp, type UpProgress } from '../../ops/up/up.js';
import type { GlobalOptions } from '../options.js';
import { print, safe, style } from '../output.js';

export interface UpCommandOptions extends GlobalOptions {
  detach?: boolean;
  respawn?: boolean;
}

export async function upCommand(sessions: string[], options: UpCommandOptions): Promise<number> {
  const terminal = process.stdout.isTTY ? { columns: process.stdout.columns, rows: process.stdout.rows } : undefined;
  const result = await runUp({ configPath: options.config, sessions, respawn: options.respawn, terminal, onProgress: printProgress });
  print();
  print(`${style.green('✓')} ${result.sessions.length} session(s) up in tmux session ${style.bold(result.tmuxSession)} (base ${result.base})`);
  const interactive = process.stdout.isTTY && process.stdin.isTTY;
  if (options.detach || !interactive || !(await attachOrSwitch(result.tmuxSession, Boolean(process.env.TMUX)))) {
    print(`Attach with: tmux attach -t ${result.tmuxSession}`);
  }
  return 0;
}

function printProgress(event: UpProgress): void {
  const name = style.bold(event.session.padEnd(12));
  switch (event.type) {
    case 'worktree':
      print(`  ${name} worktree ${event.action === 'created' ? style.green('created') : event.action === 'failed' ? style.red('could not be filled (removed)') : style.dim('reused')}  ${style.dim(event.path)}`);
      break;
    case 'copy-missing':
      print(`  ${name} ${style.yellow('copy: skipped')} ${event.path} (not in the main worktree)`);
      break;
    case 'setup':
      if (event.status === 'started') print(`  ${name} setup running…`);
      else if (event.status === 'ok') print(`  ${name} setup ${style.green('done')} in ${(event.outcome.durationMs / 1000).toFixed(1)}s`);
      else print(`  ${name} setup ${style.red('failed')} (exit ${event.outcome.exitCode ?? 'signal'})`);
      break;
    case 'sandbox':
      if (event.enabled) print(`  ${name} sandbox ${style.green('on')}${event.notes.length > 0 ? style.dim(`  (${event.notes.map(safe).join('; ')})`) : ''}`);
      else print(`  ${name} sandbox ${style.yellow('off')}  ${style.dim(safe(event.notes.join('; ')))}`);
      break;
    case 'hooks':
      print(`  ${name} hooks ${style.yellow('need you')}  ${style.dim(safe(event.notes.join('; ')))}`);
      break;
    case 'pane': {
      const words = { started: style.green('started'), kept: style.dim('running'), respawned: style.green('respawned'), dead: style.yellow('exited (parx up --respawn restarts it)') };
      print(`  ${name} pane ${event.paneId} ${words[event.action]}`);
      break;
    }
  }
}
