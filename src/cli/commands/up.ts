import { attachOrSwitch } from '../../adapters/tmux.js';
import { quoteShellWord } from '../../core/agent-hooks.js';
import { UsageError } from '../../core/errors.js';
import { planUp, runUp, type UpPlan, type UpProgress } from '../../ops/up/up.js';
import type { GlobalOptions } from '../options.js';
import { print, printJson, safe, style } from '../output.js';

export interface UpCommandOptions extends GlobalOptions {
  detach?: boolean;
  respawn?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export async function upCommand(sessions: string[], options: UpCommandOptions): Promise<number> {
  const terminal = process.stdout.isTTY ? { columns: process.stdout.columns, rows: process.stdout.rows } : undefined;
  if (options.json && !options.dryRun) throw new UsageError('--json goes with --dry-run (a real `up` reports as it goes; `parx status --json` after)');
  if (options.dryRun) {
    const plan = await planUp({ configPath: options.config, sessions, terminal });
    if (options.json) printJson(planToJson(plan));
    else printPlan(plan);
    return 0;
  }
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
      print(
        `  ${name} worktree ${event.action === 'created' ? style.green('created') : event.action === 'failed' ? style.red('could not be filled (removed)') : style.dim('reused')}  ${style.dim(event.path)}`,
      );
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
    case 'budget':
      print(`  ${name} budget ${style.yellow('not enforced')}  ${style.dim(safe(event.note))}`);
      break;
    case 'enforcement':
      print(`  ${name} hooks ${style.dim('none')}  ${style.dim(safe(event.note))}`);
      break;
    case 'pane': {
      const words = {
        started: style.green('started'),
        kept: style.dim('running'),
        respawned: style.green('respawned'),
        dead: style.yellow('exited (parx up --respawn restarts it)'),
      };
      print(`  ${name} pane ${event.paneId} ${words[event.action]}`);
      break;
    }
  }
}

const ACTION_WORDS = {
  'create-branch': 'new branch and worktree',
  'add-existing-branch': 'worktree for its existing branch',
  reuse: 'reuse its worktree',
} as const;

/** `up --dry-run`: what each session would get, and with what command its agent would start. */
function printPlan(plan: UpPlan): void {
  print(
    `Plan (dry run, nothing changes): tmux session ${style.bold(plan.tmuxSession)}, base ${plan.base}, up to ${plan.layout.panesPerWindow} panes per window (${plan.layout.preset})`,
  );
  for (const launch of plan.sessions) {
    const name = style.bold(launch.session.padEnd(12));
    const pad = ' '.repeat(15);
    print(`  ${name} ${ACTION_WORDS[launch.action.kind]}: ${launch.action.branch} at ${safe(launch.action.path)}`);
    if (launch.setup) print(`${pad}setup: ${safe(launch.setup)}`);
    print(`${pad}sandbox ${launch.sandboxed ? style.green('on') : style.yellow('off')}, PARX_PORT=${launch.port}`);
    // The prompt can be pages long: shown as its length, in the argument that carries it.
    const argv = launch.argv.map((arg) => (arg === launch.prompt.text && arg.length > 60 ? `<prompt: ${arg.length} characters>` : quoteShellWord(arg)));
    print(`${pad}agent: ${safe(argv.join(' '))}`);
  }
  for (const h of plan.hosted) print(`  ${style.bold(h.session.padEnd(12))} on host ${h.host} (${safe(h.ssh)}, clone ${safe(h.dir)}): started by parx there`);
}

function planToJson(plan: UpPlan) {
  return {
    dryRun: true,
    tmuxSession: plan.tmuxSession,
    base: plan.base,
    worktreeDir: plan.worktreeDir,
    layout: plan.layout,
    sessions: plan.sessions.map((l) => ({
      name: l.session,
      action: l.action.kind,
      branch: l.action.branch,
      worktree: l.action.path,
      setup: l.setup ?? null,
      sandboxed: l.sandboxed,
      port: l.port,
      argv: l.argv,
      env: l.env,
      prompt: l.prompt.text,
      promptFile: l.prompt.file,
    })),
    hosted: plan.hosted,
  };
}
