import { runAbandon, type AbandonResult } from '../../ops/abandon.js';
import type { GlobalOptions } from '../options.js';
import { print, printError, printJson, safe, style } from '../output.js';

/** `parx abandon [SESSION...]`: exit 0 when every session asked for is gone with its work kept, 1 when one had to stay. */
export async function abandonCommand(sessions: string[], options: GlobalOptions & { json?: boolean }): Promise<number> {
  const result = await runAbandon({ configPath: options.config, sessions });
  if (options.json) printJson(toJson(result));
  else printSummary(result);
  await result.closeLast();
  return result.sessions.every((s) => !s.kept) ? 0 : 1;
}

function toJson(result: AbandonResult) {
  return { ok: result.sessions.every((s) => !s.kept), finished: result.finished, sessions: result.sessions };
}

function printSummary(result: AbandonResult): void {
  if (result.sessions.length === 0) print('Nothing to abandon.');
  for (const s of result.sessions) {
    const label = style.bold(s.name);
    if (s.kept) {
      printError(`parx: ${s.name} was not removed: ${s.kept}`);
      if (s.backupRef) print(`  its work is kept as ${s.backupRef}`);
      continue;
    }
    if (!s.backupRef) {
      print(`${style.dim('–')} ${label} nothing to abandon: it has no branch or worktree`);
      continue;
    }
    const what = [s.commits > 0 && `${s.commits} commit(s)`, s.uncommitted > 0 && `${s.uncommitted} uncommitted or untracked file(s)`]
      .filter(Boolean)
      .join(' and ');
    print(`${style.green('✓')} ${label} abandoned: its pane, worktree and branch are gone; its work${what ? ` (${what})` : ''} is kept as ${s.backupRef}`);
    print(style.dim(`    to get it back: git branch ${s.name}-work ${s.backupRef}`));
    if (s.saved) print(`    ${style.yellow('saved')} ${s.saved.files.length} ignored file(s) found nowhere else to ${safe(s.saved.dir)}`);
    if (s.rescued.length > 0) print(`    ${style.yellow('kept')} commits only its reflog held as ${s.rescued.join(', ')}`);
    if (s.teardown)
      print(`    ${style.yellow('teardown failed')} (the worktree went anyway, its work being kept): ${safe(s.teardown.split('\n').at(-1) ?? '')}`);
  }
  if (result.finished) print(style.dim('\nNo session is left: the run is over and its tmux session closed.'));
}
