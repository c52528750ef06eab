import { setPriority } from 'node:os';
import { runGuard } from '../../ops/guard/guard.js';
import type { GuardEvent } from '../../ops/guard/types.js';
import type { GlobalOptions } from '../options.js';
import { print, printJson, safe, style } from '../output.js';
import { describeViolation } from './describe.js';

export async function guardCommand(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => {
    signalled ??= signal;
    controller.abort();
  };
  // `on`, not `once`: while a child process runs, execa's exit handler (signal-exit) listens
  // too, and re-raises a signal it finds no other listener for, killing the guard before it
  // has flushed its events and released its lock.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  // A background watcher: its start-up scan and git calls (inherited by its children) yield the
  // CPU to the agents and to the `parx up` that just started it.
  setPriority(10);
  const { stoppedBecause } = await runGuard({
    configPath: options.config,
    signal: controller.signal,
    // The bench's way to compare watchers; otherwise the run's guard.watcher decides.
    watcher: (['fs', 'poll', 'chokidar'] as const).find((kind) => kind === process.env.PARX_WATCHER),
    onEvent: options.json ? printJson : printHuman,
  });
  if (stoppedBecause) {
    if (options.json) printJson({ time: new Date().toISOString(), type: 'stopped', reason: stoppedBecause });
    else print(`parx guard: stopping, ${stoppedBecause}`);
    return 0;
  }
  // Stopped by a signal: the conventional 128 + signal number.
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  return signalled ? 128 + (numbers[signalled] ?? 0) : 0;
}

function printHuman(event: GuardEvent): void {
  const time = style.dim(event.time.slice(11, 19));
  switch (event.type) {
    case 'violation':
      print(`${time} ${style.red('✗')} ${style.bold(event.session)} ${describeViolation(event)}${event.source === 'git' ? style.dim(' [found in git]') : ''}`);
      break;
    case 'collision':
      print(`${time} ${style.yellow('!')} ${safe(event.path)} changed by ${event.sessions.join(' and ')}: they will conflict when merged`);
      break;
    case 'ready':
      print(
        `${time} ${style.green('●')} ${event.watcher === 'poll' ? 'polling' : 'watching'} ${event.sessions.length} worktree(s), ${event.directories} directories${event.polled > 0 ? style.yellow(`, polling ${event.polled} folder(s) the kernel would not watch`) : ''}, ready in ${event.ms} ms`,
      );
      break;
    case 'watch':
      print(`${time} ${style.dim('●')} ${event.session}: ${event.state === 'gone' ? 'worktree removed, stopped watching it' : 'watching'}`);
      break;
    case 'role':
      if (event.role === 'observer') print(`${time} ${style.dim('●')} another guard records events and marks panes; this one only prints`);
      else print(`${time} ${style.dim('●')} recording events and marking panes`);
      break;
    case 'state':
      // The bell makes tmux flag the window (bell-action) for a human who is looking elsewhere.
      if (event.state === 'waiting')
        print(
          `${time} ${style.yellow('⏸')} ${style.bold(event.session)} is waiting for you${event.detail ? `: ${safe(event.detail)}` : ''}${event.source === 'silence' ? style.dim(' (its pane went quiet)') : ''}\x07`,
        );
      else print(`${time} ${style.dim('▶')} ${event.session} is ${event.state}`);
      break;
    case 'revert':
      if (event.error) print(`${time} ${style.red('error')} could not revert ${safe(event.path)} in ${event.session}: ${safe(event.error)}`);
      else
        print(
          `${time} ${style.yellow('↺')} ${style.bold(event.session)} ${safe(event.path)} reverted to its branch tip${event.quarantined ? `; what was written is kept in ${safe(event.quarantined)}` : ''}`,
        );
      break;
    case 'ask':
      if (event.path)
        print(
          `${time} ${style.yellow('?')} ${style.bold(event.session)} asks ${event.owner ?? 'nobody'} for ${safe(event.path)}: request ${event.id} (parx grant ${event.id} | parx refuse ${event.id})\x07`,
        );
      else print(`${time} ${style.yellow('?')} ${style.bold(event.session)} says why (${event.id}): ${safe(event.reason ?? '')}`);
      break;
    case 'note':
      print(`${time} ${style.yellow('✉')} for ${style.bold(event.session)} (its agent has no hooks; tell it in its pane): ${safe(event.text)}`);
      break;
    case 'integration':
      print(`${time} ${style.red('⚠')} ${style.bold(event.session)} ${event.finding} (parx integrate to see why)\x07`);
      break;
    case 'error':
      print(`${time} ${style.red('error')} ${safe(event.message)}`);
      break;
    case 'notice':
      print(`${time} ${style.yellow('note')} ${safe(event.message)}`);
      break;
  }
}
