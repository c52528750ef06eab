import { describeVerdict, type IntegrationRecord } from '../../core/integration.js';
import { runIntegrate, type IntegrateProgress } from '../../ops/integrate/integrate.js';
import type { GlobalOptions } from '../options.js';
import { print, printConfigNotice, printJson, safe, style } from '../output.js';

export interface IntegrateCommandOptions extends GlobalOptions {
  json?: boolean;
  keep?: boolean;
  pinpoint?: boolean;
  /** `--sessions a,b`: the same as naming them as arguments. */
  sessions?: string;
}

/** `parx integrate`: exit 0 when everything integrates, 1 when a session breaks or conflicts. */
export async function integrateCommand(names: string[], options: IntegrateCommandOptions): Promise<number> {
  const sessions = [
    ...names,
    ...(options.sessions
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? []),
  ];
  let lastVerifyMs = 0;
  const onProgress = (event: IntegrateProgress) => {
    if (event.type === 'verify' && event.status !== 'started') lastVerifyMs = event.ms ?? 0;
    if (!options.json) printProgress(event);
  };
  const { record, kept, configNotice } = await runIntegrate({
    configPath: options.config,
    sessions,
    keep: options.keep ?? false,
    pinpoint: options.pinpoint ?? false,
    onProgress,
  });
  printConfigNotice(configNotice);
  if (options.json) {
    printJson({ ...record, kept: kept ?? null });
    return record.ok ? 0 : 1;
  }
  print();
  if (record.ok) {
    // Everything that merged integrated; `nothing` verdicts had nothing to merge.
    const merged = Object.values(record.sessions).filter((v) => v.kind === 'integrates').length;
    const seconds = (lastVerifyMs / 1000).toFixed(1);
    print(
      style.green(
        record.verify
          ? `The whole run integrates: ${merged} session(s), verify passed in ${seconds} s.${refusedBy(record)}`
          : `The whole run integrates: ${merged} session(s) merge cleanly (no verify is configured: merge only).${refusedBy(record)}`,
      ),
    );
  }
  if (record.baseFails) {
    print(style.red(`verify fails on ${record.base} itself, before any session is merged (exit ${record.baseFails.exitCode ?? 'signal'}):`));
    record.baseFails.outputTail.forEach((line) => print(style.dim(`  | ${safe(line)}`)));
  }
  const b = record.breaking;
  if (b) {
    const withWhat = b.alone
      ? 'on its own (base plus it alone fails too)'
      : b.alone === false
        ? `after ${b.after.join(', ')} (it passes on base alone)`
        : `after ${b.after.join(', ')}`;
    print(`${style.red('✗')} ${style.bold(b.session)} breaks verify at step ${b.step} of the queue, ${withWhat} (exit ${b.exitCode ?? 'signal'}):`);
    b.outputTail.forEach((line) => print(style.dim(`  | ${safe(line)}`)));
    if (b.files.length > 0) print(`  files it changed that the failure names: ${safe(b.files.join(', '))}`);
    if (b.waitingFor?.length) {
      // Not its own change: what it needs is still uncommitted in another session's worktree.
      for (const w of b.waitingFor)
        print(
          `  the failure names ${safe(w.files.join(', '))}, which ${w.session} has not committed yet (integrate takes committed work only): commit ${w.files.length > 1 ? 'them' : 'it'} in ${w.session}, then run \`parx integrate\` again`,
        );
    } else {
      print(`  fix it on parx/${b.session}${b.after.length > 0 ? ` (against what ${b.after.join(', ')} changed)` : ''}, then run \`parx integrate\` again`);
      if (b.alone === null && b.after.length > 1)
        print(style.dim(`  \`parx integrate --pinpoint\` tells which of them it breaks with (a few more verify runs)`));
    }
  }
  for (const c of record.conflicts) {
    print(
      `${style.red('✗')} ${style.bold(c.session)} conflicts with ${c.with} in ${safe(c.files.join(', '))}: merge ${c.with === 'base' ? 'base' : `parx/${c.with}`} into parx/${c.session} and resolve there`,
    );
  }
  for (const [name, verdict] of Object.entries(record.sessions)) {
    if (verdict.kind === 'breaks' || verdict.kind === 'conflicts') continue;
    print(`  ${style.bold(name.padEnd(12))} ${verdict.kind === 'integrates' ? style.green('integrates') : style.dim(describeVerdict(verdict))}`);
  }
  for (const [name, violations] of Object.entries(record.violations ?? {})) {
    const shown =
      violations
        .slice(0, 3)
        .map((v) => `${v.path}${v.owner ? ` (${v.owner}'s)` : ''}`)
        .join(', ') + (violations.length > 3 ? ', …' : '');
    print(
      `${style.yellow('!')} ${style.bold(name)} changed ${violations.length} file(s) outside what it owns: ${safe(shown)}; \`parx down\` refuses it until they are gone from its branch and worktree, or granted to it (\`parx grant <path> --to ${name}\`)`,
    );
  }
  for (const [name, files] of Object.entries(record.uncommitted)) {
    print(style.dim(`  ${name}: ${files} uncommitted file(s) in its worktree were left out (its committed tip was integrated)`));
  }
  if (record.verify && (record.verifyRuns.find > 1 || record.verifyRuns.attribute > 0)) {
    print(
      style.dim(
        `  verify ran ${record.verifyRuns.find} time(s) to find the break and ${record.verifyRuns.attribute} more to say what it breaks with; ${(record.durationMs / 1000).toFixed(1)} s in all`,
      ),
    );
  }
  if (kept) print(`The scratch worktree is left at ${kept.label} (${kept.commit.slice(0, 9)}) for inspection: ${safe(kept.path)}`);
  return record.ok ? 0 : 1;
}

/** What `down` would still refuse although everything integrates (violations: below). */
function refusedBy(record: IntegrationRecord): string {
  const names = Object.keys(record.violations ?? {});
  return names.length > 0 ? ` But \`parx down\` refuses ${names.join(', ')} (changes outside what ${names.length > 1 ? 'they own' : 'it owns'}):` : '';
}

function printProgress(event: IntegrateProgress): void {
  switch (event.type) {
    case 'queue':
      print(
        `Integrating onto ${style.bold(event.base)}, in merge order: ${event.order.join(' → ') || '(nothing)'}${event.added.length > 0 ? style.dim(` (with ${event.added.join(', ')}, which the named sessions merge after)`) : ''}`,
      );
      break;
    case 'uncommitted':
      print(style.dim(`  ${event.session}: ${event.files} uncommitted file(s) not included; its committed tip is integrated`));
      break;
    case 'conflict':
      print(`  ${style.bold(event.session)} ${style.red('conflicts')} with ${event.with}: ${safe(event.files.join(', '))}`);
      break;
    case 'setup':
      if (event.status === 'started') print(style.dim('  setup in the scratch worktree…'));
      else if (event.status === 'failed') print(style.red('  setup failed in the scratch worktree'));
      break;
    case 'verify':
      if (event.status !== 'started')
        print(
          `  verify ${event.label}: ${event.status === 'passed' ? style.green('passed') : style.red('failed')}${event.ms !== undefined ? style.dim(` (${(event.ms / 1000).toFixed(1)} s)`) : ''}`,
        );
      break;
  }
}
