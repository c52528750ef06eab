import { Command, CommanderError, Option } from 'commander';
import { ConfigError, isKnownError, RefusedError } from '../core/errors.js';
import { getPackageVersion } from '../package-root.js';
import { printError } from './output.js';

/**
 * The one entry point and the one error boundary: commands return an exit code, known errors
 * carry theirs (docs/guide.md, "Exit codes": 0 ok, 1 found/refused something, 2 bad usage/config/prerequisite), and
 * nothing else in parx calls process.exit. Command modules are imported lazily so that
 * `parx --version` and `--help` stay fast.
 */

export type { GlobalOptions } from './options.js';

export function createProgram(): Command {
  const program = new Command('parx')
    .description(
      'Run several AI coding agents in parallel on one repository: one git worktree, tmux pane and scoped prompt per session, with enforced file ownership and a safe ordered merge.',
    )
    .version(getPackageVersion(), '-V, --version', 'print the version')
    .addOption(new Option('-c, --config <path>', 'use this config file instead of searching for one'))
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run parx --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('init')
    .description('write a commented starter parx.config.yaml (never overwrites)')
    .action(async () => run(() => import('./commands/init.js').then((m) => m.initCommand())));

  program
    .command('plan')
    .description('validate the config and map each session’s ownership onto the tracked files')
    .option('--json', 'print the plan as JSON')
    .action(async (opts: { json?: boolean }) => run(() => import('./commands/plan.js').then((m) => m.planCommand({ ...program.opts(), ...opts }))));

  program
    .command('up')
    .description('create worktrees and branches, start every agent in a tmux grid')
    .argument('[session...]', 'only these sessions (default: all)')
    .option('-d, --detach', 'do not attach to the tmux session')
    .option('--respawn', 'restart panes whose agent has exited')
    .option('-n, --dry-run', 'print what would be created and started; change nothing')
    .option('--json', 'with --dry-run: print the plan as JSON')
    .action(async (sessions: string[], opts: { detach?: boolean; respawn?: boolean; dryRun?: boolean; json?: boolean }) =>
      run(() => import('./commands/up.js').then((m) => m.upCommand(sessions, { ...program.opts(), ...opts }))),
    );

  program
    .command('guard')
    .description('watch every worktree and flag, at once, any write outside a session’s ownership')
    .option('--json', 'print each event as one JSON line')
    .action(async (opts: { json?: boolean }) => run(() => import('./commands/guard.js').then((m) => m.guardCommand({ ...program.opts(), ...opts }))));

  program
    .command('check')
    .description('list violations from git: committed, uncommitted and untracked changes per session')
    .argument('[session...]', 'only these sessions (default: all)')
    .option('--json', 'print the result as JSON')
    .action(async (sessions: string[], opts: { json?: boolean }) =>
      run(() => import('./commands/check.js').then((m) => m.checkCommand(sessions, { ...program.opts(), ...opts }))),
    );

  program
    .command('status')
    .description('one row per session: pane, agent state, commits, changes, violations, merge forecast')
    .option('--json', 'print the status as JSON')
    .option('-w, --watch', 'a live full-screen view, redrawn as things change (parx status when not on a terminal)')
    .action(async (opts: { json?: boolean; watch?: boolean }) =>
      run(() =>
        opts.watch && !opts.json
          ? import('./commands/status-watch.js').then((m) => m.statusWatchCommand(program.opts()))
          : import('./commands/status.js').then((m) => m.statusCommand({ ...program.opts(), ...opts })),
      ),
    );

  program
    .command('down')
    .description('merge every session into base in dependency order, refusing anything that would lose work, then clean up')
    .argument('[session...]', 'only these sessions (what they merge after must be in base already)')
    .option('-n, --dry-run', 'print the plan and the predicted conflicts; change nothing')
    .option('--keep', 'merge, but keep panes, worktrees and branches')
    .option('--commit-wip', 'commit uncommitted work in a session’s worktree as "parx: wip <name>" instead of refusing it')
    .option('--allow-violations', 'merge sessions that changed files outside their ownership')
    .option('--json', 'print the outcome as JSON (no progress lines)')
    .addOption(new Option('--landing', 'run by land: auto: record each merge as a land event').hideHelp())
    .action(async (sessions: string[], opts: { dryRun?: boolean; keep?: boolean; commitWip?: boolean; allowViolations?: boolean; json?: boolean }) =>
      run(() => import('./commands/down.js').then((m) => m.downCommand(sessions, { ...program.opts(), ...opts }))),
    );

  program
    .command('abandon')
    .description(
      'end sessions without merging them: every commit and every uncommitted or untracked change kept under refs/parx/backup/, then pane, worktree and branch removed',
    )
    .argument('[session...]', 'only these sessions (default: all)')
    .option('--json', 'print the outcome as JSON')
    .action(async (sessions: string[], opts: { json?: boolean }) =>
      run(() => import('./commands/abandon.js').then((m) => m.abandonCommand(sessions, { ...program.opts(), ...opts }))),
    );

  const review = program
    .command('review')
    .description('review the sessions’ committed tips with a reviewer that can change nothing, and wait for the verdicts (exit 0 when all pass)')
    .argument('[session...]', 'only these sessions, reviewed now (default: those with commits no verdict covers)')
    .option('--json', 'print the verdicts as JSON')
    .addOption(new Option('--auto', 'the guard’s automatic review: only a tip no verdict covers').hideHelp())
    .action(async (sessions: string[], opts: { json?: boolean; auto?: boolean }) =>
      run(() => import('./commands/review.js').then((m) => m.reviewCommand(sessions, { ...program.opts(), ...opts }))),
    );
  review
    .command('submit')
    .description('for reviewers: answer the review this reviewer was started for')
    .option('--pass', 'the work is right')
    .option('--changes', 'the work needs changes (give --findings or --summary)')
    .option('--findings <file>', 'a JSON list of {file, line?, severity: blocker|major|minor|nit, text}; - reads standard input')
    .option('--summary <text>', 'one line on the verdict')
    .action(async (opts: { pass?: boolean; changes?: boolean; findings?: string; summary?: string }) =>
      run(() => import('./commands/review.js').then((m) => m.reviewSubmitCommand(opts))),
    );
  review
    .command('approve')
    .description('your verdict: the session’s current tip passes review')
    .argument('<session>', 'the session')
    .option('--why <text>', 'why, for the record')
    .option('--tip <commit>', 'the commit you reviewed (default: the one `parx review show` showed you)')
    .action(async (session: string, opts: { why?: string; tip?: string }) =>
      run(() => import('./commands/review.js').then((m) => m.reviewDecideCommand(session, 'pass', { ...program.opts(), ...opts }))),
    );
  review
    .command('reject')
    .description('your verdict: the session’s current tip needs changes; --why reaches its agent')
    .argument('<session>', 'the session')
    .requiredOption('--why <text>', 'what must change')
    .option('--tip <commit>', 'the commit you reviewed (default: the one `parx review show` showed you)')
    .action(async (session: string, opts: { why?: string; tip?: string }) =>
      run(() => import('./commands/review.js').then((m) => m.reviewDecideCommand(session, 'changes', { ...program.opts(), ...opts }))),
    );
  review
    .command('show')
    .description('what to decide from: tip, round, the latest verdict and its findings, the diff stat, the last integration')
    .argument('<session>', 'the session')
    .option('--json', 'print it as JSON')
    // `review show a --json`: commander hands an option both levels know to the parent (`review`).
    .action(async (session: string, opts: { json?: boolean }) =>
      run(() =>
        import('./commands/review.js').then((m) =>
          m.reviewShowCommand(session, { ...program.opts(), json: opts.json || review.opts<{ json?: boolean }>().json }),
        ),
      ),
    );

  program
    .command('budget')
    .description('raise a paused session’s budget (kept in the run, not the config file): its next tool call goes through')
    .argument('<session>', 'the session')
    .option('--usd <n>', 'the new cost limit in US dollars')
    .option('--tokens <n>', 'the new token limit')
    .option('--json', 'print the result as JSON')
    .action(async (session: string, opts: { usd?: string; tokens?: string; json?: boolean }) =>
      run(() => import('./commands/budget.js').then((m) => m.budgetCommand(session, { ...program.opts(), ...opts }))),
    );

  program
    .command('integrate')
    .description(
      'merge every session’s committed tip onto base in merge order, in a scratch worktree, and run verify: which session breaks the build, before anything lands',
    )
    .argument('[session...]', 'only these sessions (and what they merge after)')
    .option('--sessions <names>', 'the same, comma-separated')
    .option('--keep', 'leave the scratch worktree at the breaking merge for inspection')
    .option('--pinpoint', 'also find which earlier session it breaks with, or that it breaks on its own (a few more verify runs)')
    .option('--json', 'print the result as JSON')
    .action(async (sessions: string[], opts: { sessions?: string; keep?: boolean; pinpoint?: boolean; json?: boolean }) =>
      run(() => import('./commands/integrate.js').then((m) => m.integrateCommand(sessions, { ...program.opts(), ...opts }))),
    );

  program
    .command('sync')
    .description('merge the new base into running sessions that merge after one that landed: only when clean and their agent waits')
    .argument('[session...]', 'only these sessions (default: the dependents of landed sessions that are behind base)')
    .option('--json', 'print the outcome as JSON')
    .action(async (sessions: string[], opts: { json?: boolean }) =>
      run(() => import('./commands/sync.js').then((m) => m.syncCommand(sessions, { ...program.opts(), ...opts }))),
    );

  program
    .command('doctor')
    .description('check tools, versions, agent hook readiness, the OS sandbox and inotify limits; a fix per problem')
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { json?: boolean }) => run(() => import('./commands/doctor.js').then((m) => m.doctorCommand({ ...program.opts(), ...opts }))));

  program
    .command('requests')
    .description('list open ownership requests: writes a session was denied, asked of the path’s owner')
    .option('--json', 'print the requests as JSON')
    .action(async (opts: { json?: boolean }) => run(() => import('./commands/requests.js').then((m) => m.requestsCommand({ ...program.opts(), ...opts }))));

  program
    .command('grant')
    .description('move ownership of a path to a session for the rest of the run (answering a request, or directly)')
    .argument('<id|path>', 'a request id (auth-1), or a path relative to the repository root with --to')
    .option('--to <session>', 'the session that gets the path')
    .option('--json', 'print the grant as JSON')
    .action(async (target: string, opts: { to?: string; json?: boolean }) =>
      run(() => import('./commands/grant.js').then((m) => m.grantCommand(target, { ...program.opts(), ...opts }))),
    );

  program
    .command('refuse')
    .description('answer an ownership request with no')
    .argument('<id>', 'the request id (auth-1)')
    .option('--why <text>', 'the reason, passed on to the requesting agent')
    .option('--json', 'print the answer as JSON')
    .action(async (id: string, opts: { why?: string; json?: boolean }) =>
      run(() => import('./commands/refuse.js').then((m) => m.refuseCommand(id, { ...program.opts(), ...opts }))),
    );

  program
    .command('tell')
    .description('give a session’s agent a message at its next turn boundary (through its hooks; never typed into its pane)')
    .argument('<session>', 'the session')
    .argument('<text...>', 'the message')
    .action(async (session: string, words: string[]) => run(() => import('./commands/tell.js').then((m) => m.tellCommand(session, words, program.opts()))));

  program
    .command('completion')
    .description('print the shell completion script (commands, flags, session names): eval "$(parx completion bash)"')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => run(() => import('./commands/completion.js').then((m) => m.completionCommand(shell))));

  program
    .command('__complete', { hidden: true })
    .description('for the completion scripts: the candidates for the last word')
    .argument('[words...]', 'the words after parx, after --')
    .action(async (words: string[]) => run(() => import('./commands/completion.js').then((m) => m.completeCommand(program, words))));

  program
    .command('ask', { hidden: true })
    .description('for agents: say in one line why a denied path is needed (its request id was in the denial)')
    .argument('<id>', 'the request id from the denial')
    .argument('<reason...>', 'what you need changed, and why')
    .option('--common-dir <dir>', 'the repository’s git common dir (given in the denial)')
    .action(async (id: string, words: string[], opts: { commonDir?: string }) =>
      run(() => import('./commands/ask.js').then((m) => m.askCommand(id, words, opts))),
    );

  program
    .command('host', { hidden: true })
    .description('for another machine’s parx, over ssh: one step of its hosted sessions (a JSON request on stdin)')
    .argument('<verb>', 'prepare, up, status, inspect, land, events or attach')
    .argument('[dir]', 'attach: the clone whose run to show')
    .action(async (verb: string, dir: string | undefined) => run(() => import('./commands/host.js').then((m) => m.hostCommand(verb, dir))));

  return program;
}

async function run(command: () => Promise<number>): Promise<void> {
  process.exitCode = await command();
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version exit 0; everything commander rejects is bad usage.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (isKnownError(error)) {
    const prefix = error instanceof ConfigError ? 'parx: invalid configuration\n' : 'parx: ';
    printError(`${prefix}${error.message}`);
    if (error instanceof RefusedError) error.details.forEach((line) => printError(`  ${line}`));
    if (process.env.DEBUG?.includes('parx')) console.error(error.stack);
    return error.exitCode;
  }
  printError(`parx: unexpected error: ${(error as Error)?.message ?? String(error)}`);
  if (process.env.DEBUG?.includes('parx')) console.error((error as Error)?.stack);
  else printError('Run again with DEBUG=parx for the stack trace, and please report it as a bug.');
  return 1;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
  process.exit(process.exitCode ?? 0);
}
