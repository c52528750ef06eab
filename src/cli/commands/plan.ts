import { getGlobPrefix, isExactPrefix } from '../../core/sandbox-plan.js';
import { runPlan } from '../../ops/plan.js';
import type { GlobalOptions } from '../options.js';
import type { ReviewSettings } from '../../core/config-validate.js';
import { print, printJson, safe, style, table } from '../output.js';

export async function planCommand(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const { project, base, plan, mergeOrder } = await runPlan({ configPath: options.config });
  const exitCode = plan.overlaps.length > 0 ? 1 : 0;
  if (options.json) {
    printJson({
      base,
      configFile: project.configFile,
      files: plan.files,
      sessions: plan.sessions.map((s) => ({ ...s, review: project.config.sessions.find((c) => c.name === s.name)?.review ?? null })),
      overlaps: plan.overlaps,
      shared: plan.shared,
      unowned: plan.unowned,
      mergeOrder,
    });
    return exitCode;
  }
  print(`${style.bold('parx plan')}  ${project.configFile}  ·  base ${style.cyan(base)}  ·  ${plan.files} tracked files`);
  print();
  const rows = [['session', 'files', 'owns'].map(style.dim)];
  for (const s of plan.sessions) rows.push([s.name, String(s.files), s.owns.join(', ')]);
  table(rows).forEach((line) => print(`  ${line}`));
  const unmatched = plan.sessions.flatMap((s) => s.unmatchedGlobs.map((g) => `${s.name}: ${g}`));
  if (unmatched.length > 0) {
    print();
    print(style.dim(`Globs matching no file in ${base} yet (fine for new code, a typo otherwise):`));
    unmatched.forEach((u) => print(style.dim(`  ${u}`)));
  }
  // The OS sandbox can open folders only: say where it opens more than a glob matches.
  const broad = project.config.sessions.flatMap((s) =>
    s.owns.filter((g) => !isExactPrefix(g)).map((g) => `${s.name}: ${g} → ${getGlobPrefix(g) || '(the worktree root)'}/`),
  );
  if (broad.length > 0) {
    print();
    print(style.dim('Sandbox: these globs open their whole folder; inside it, the hook and the guard enforce the exact glob:'));
    broad.forEach((b) => print(style.dim(`  ${b}`)));
  }
  print();
  print(`Merge order: ${mergeOrder.join(' → ')}`);
  const reviewLines = describeReviews(project.config.sessions);
  reviewLines.forEach((line) => print(line));
  print(`Shared: ${plan.shared} file(s)  ·  unowned: ${plan.unowned} file(s) (no session may change them)`);
  if (plan.overlaps.length > 0) {
    print();
    print(style.red(`${plan.overlaps.length} file(s) owned by two or more sessions; make the globs disjoint:`));
    table(plan.overlaps.slice(0, 50).map((o) => [o.path, o.sessions.join(', ')])).forEach((line) => print(`  ${line}`));
    if (plan.overlaps.length > 50) print(`  … and ${plan.overlaps.length - 50} more (see --json)`);
  } else {
    print(style.green('No overlaps: every file has at most one owner.'));
  }
  return exitCode;
}

/** One line per distinct review setting: who reviews which sessions, and how; and who is not reviewed. */
function describeReviews(sessions: ReadonlyArray<{ name: string; review: ReviewSettings | undefined }>): string[] {
  const groups = new Map<string, string[]>();
  for (const s of sessions.filter((x) => x.review)) {
    const r = s.review!;
    const key = `${r.agent}, ${r.rounds} round(s) before a human decides, ${r.required ? 'required to land' : 'advisory'}, ${r.auto ? 'automatic when an agent waits' : 'on `parx review`'}`;
    groups.set(key, [...(groups.get(key) ?? []), s.name]);
  }
  if (groups.size === 0) return [];
  const unreviewed = sessions.filter((s) => !s.review).map((s) => s.name);
  return [
    ...[...groups].map(([how, names]) => `Review: ${names.join(', ')} by ${safe(how)}`),
    ...(unreviewed.length > 0 ? [`Not reviewed: ${unreviewed.join(', ')}`] : []),
  ];
}
