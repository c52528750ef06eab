import { runDoctor } from '../../ops/doctor.js';
import type { GlobalOptions } from '../options.js';
import { print, printJson, safe, style } from '../output.js';

export async function doctorCommand(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const result = await runDoctor({ configPath: options.config });
  if (options.json) {
    printJson(result);
    return result.ok ? 0 : 1;
  }
  for (const check of result.checks) {
    const mark = check.status === 'ok' ? style.green('✓') : check.status === 'problem' ? style.red('✗') : style.dim('·');
    print(`${mark} ${style.bold(check.name)}  ${safe(check.detail)}`);
    if (check.fix) print(`    fix: ${safe(check.fix)}`);
  }
  const problems = result.checks.filter((c) => c.status === 'problem').length;
  print(problems === 0 ? style.green('\nNo problems.') : style.red(`\n${problems} problem(s).`));
  return result.ok ? 0 : 1;
}
