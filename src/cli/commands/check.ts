import { runCheck } from '../../ops/check.js';
import type { GlobalOptions } from '../options.js';
import { print, printConfigNotice, printJson, safe, style } from '../output.js';
import { describeViolation } from './describe.js';

export async function checkCommand(sessions: string[], options: GlobalOptions & { json?: boolean }): Promise<number> {
  const result = await runCheck({ configPath: options.config, sessions });
  const total = result.sessions.reduce((n, s) => n + s.violations.length, 0);
  const problems = result.sessions.filter((s) => s.problem);
  printConfigNotice(result.project.configNotice);
  if (options.json) {
    printJson({
      ok: total === 0,
      sessions: result.sessions.map((s) => ({
        name: s.name,
        host: s.host ?? null,
        branch: s.branch,
        worktree: s.worktree,
        changed: s.changed.map((c) => c.path),
        violations: s.violations.map(({ session: _, ...v }) => v),
        problem: s.problem ?? null,
        landed: s.landed ? { commit: s.landed } : null,
      })),
      collisions: result.collisions,
    });
    return total > 0 || problems.length > 0 ? 1 : 0;
  }
  for (const s of result.sessions) {
    const mark = s.violations.length > 0 ? style.red('✗') : style.green('✓');
    if (s.landed) {
      print(`${mark} ${style.bold(s.name)}  landed as ${s.landed.slice(0, 9)}`);
      continue;
    }
    print(`${mark} ${style.bold(s.name)}${s.host ? style.dim(`@${s.host}`) : ''}  ${s.changed.length} changed file(s), ${s.violations.length} violation(s)`);
    for (const v of s.violations) print(`    ${describeViolation(v)}`);
    if (s.problem) print(style.red(`    ${safe(s.problem)}: its ${s.host ? 'changes' : 'committed changes'} cannot be checked; \`parx down\` refuses it`));
  }
  for (const c of result.collisions) print(style.yellow(`! ${safe(c.path)} is changed by ${c.sessions.join(' and ')}: they will conflict when merged`));
  if (total > 0) {
    print(style.red(`\n${total} violation(s). \`parx down\` refuses a session with any. For each file:`));
    print('  · give it to the session for the rest of the run: parx grant <path> --to <session>');
    print('  · or undo it there (git checkout -- <path>, or remove it from its commits) and leave it to its owner');
    print('  · to widen a session’s globs for good: edit its owns: in the config, then run parx up');
  }
  return total > 0 || problems.length > 0 ? 1 : 0;
}
