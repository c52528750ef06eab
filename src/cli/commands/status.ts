import { runStatus, type SessionStatus } from '../../ops/status.js';
import { describeFinished } from '../../core/dashboard.js';
import { describeReviewCell } from '../../core/review.js';
import { countTokens } from '../../core/usage.js';
import { describeLandingWaits } from '../../core/landing.js';
import type { GlobalOptions } from '../options.js';
import { print, printConfigNotice, printJson, safe, style, table } from '../output.js';

function describeIntegration(integration: SessionStatus['integration']): string {
  if (!integration) return style.dim('—');
  if (integration.stale) return style.dim(`stale: ${integration.stale}`);
  if (integration.result === 'integrates') return style.green(integration.text);
  return integration.result === 'breaks' || integration.result === 'conflicts' ? style.red(integration.text) : style.dim(integration.text);
}

function describeReview(s: SessionStatus): string {
  const cell = describeReviewCell(s.review, s.needsHuman !== null);
  if (cell === 'pass') return style.green(cell);
  if (cell === '—' || cell === 'stale') return style.dim(cell);
  return cell === 'reviewing' ? cell : style.yellow(cell);
}

const formatTokens = (n: number) => (n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));

/** Tokens by its agent's own count (and cost where the agent gives one), against its budget. */
function describeUsage(s: SessionStatus): string {
  const used = s.usage ? `${formatTokens(countTokens(s.usage))}${s.usage.costUsd !== null ? ` $${s.usage.costUsd.toFixed(2)}` : ''}` : '—';
  const of = s.budget
    ? ` / ${[s.budget.tokens !== undefined && formatTokens(s.budget.tokens), s.budget.usd !== undefined && `$${s.budget.usd}`].filter(Boolean).join(' ')}`
    : '';
  return s.budget?.reached ? style.red(`${used}${of} paused`) : `${used}${of}`;
}

export async function statusCommand(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const { configNotice, ...status } = await runStatus({ configPath: options.config });
  printConfigNotice(configNotice);
  if (options.json) {
    printJson(status);
    return 0;
  }
  print(`${style.bold('parx status')}  base ${style.cyan(status.base)}${status.tmuxSession ? `  ·  tmux ${status.tmuxSession}` : ''}`);
  print();
  const rows = [
    [
      'session',
      'pane',
      'state',
      'hooks',
      'sandbox',
      'ahead',
      'changed',
      'violations',
      'collisions',
      'merge',
      ...(status.sessions.some((s) => s.integration) ? ['integration'] : []),
      ...(status.sessions.some((s) => s.review || s.needsHuman) ? ['review'] : []),
      ...(status.sessions.some((s) => s.usage || s.budget) ? ['tokens'] : []),
    ].map(style.dim),
  ];
  for (const s of status.sessions) {
    rows.push([
      style.bold(s.name) + (s.host ? style.dim(`@${s.host}`) : ''),
      s.pane ? `${s.alive ? style.green('●') : style.dim('○')} ${s.pane}` : style.dim('—'),
      s.state === 'working'
        ? s.state
        : s.state === 'waiting'
          ? style.yellow(s.state)
          : s.state === 'landed'
            ? style.green(`landed ${s.landed!.commit.slice(0, 9)}`)
            : s.state === 'unreachable'
              ? style.red('unreachable')
              : s.state === 'abandoned'
                ? style.dim(`abandoned${s.abandoned?.backupRef ? ` → ${s.abandoned.backupRef}` : ''}`)
                : style.dim(s.state === 'not-started' ? 'not started' : s.state),
      s.hooks === 'active' ? style.green('active') : s.hooks === 'not-seen' ? style.yellow('not seen') : style.dim('none'),
      s.sandbox === 'on' ? style.green('on') : s.sandbox === 'off' ? style.yellow('off') : style.dim('—'),
      String(s.ahead),
      String(s.changed.length),
      s.violations.length > 0 ? style.red(String(s.violations.length)) : '0',
      s.collisions.length > 0 ? style.yellow(String(s.collisions.length)) : '0',
      s.landed || s.abandoned
        ? style.dim('—')
        : s.mergeable === null
          ? style.dim('no branch')
          : s.mergeable
            ? style.green('clean')
            : style.red(`conflicts: ${safe(s.conflicts.join(', '))}`),
      ...(status.sessions.some((x) => x.integration) ? [describeIntegration(s.integration)] : []),
      ...(status.sessions.some((x) => x.review || x.needsHuman) ? [describeReview(s)] : []),
      ...(status.sessions.some((x) => x.usage || x.budget) ? [describeUsage(s)] : []),
    ]);
  }
  const used = status.sessions.flatMap((s) => (s.usage ? [s.usage] : []));
  if (used.length > 0) {
    const total = used.reduce((n, u) => n + countTokens(u), 0);
    const costs = used.map((u) => u.costUsd);
    rows.push([
      style.dim('total'),
      ...rows[0]!.slice(1, -1).map(() => ''),
      `${formatTokens(total)}${costs.every((c) => c !== null) ? ` $${costs.reduce((a, b) => a + b, 0).toFixed(2)}` : ''}`,
    ]);
  }
  table(rows).forEach((line) => print(`  ${line}`));
  print();
  if (status.finished) print(style.green(describeFinished(status.sessions)));
  for (const s of status.sessions.filter((x) => x.needsHuman)) print(style.yellow(`${s.name} needs you: ${safe(s.needsHuman!)}`));
  for (const s of status.sessions.filter((x) => x.unreachable))
    print(style.red(`${s.name}: ${safe(s.unreachable!)}; \`parx down\` skips it until the host answers`));
  for (const s of status.sessions.filter((x) => x.budget?.reached))
    print(style.yellow(`${s.name} is paused at its budget: \`parx budget ${s.name} --tokens N\` (or --usd N) lets it go on`));
  for (const line of describeLandingWaits(status.sessions)) print(style.dim(`land: auto: ${safe(line)}`));
  for (const s of status.sessions.filter((x) => x.objectsProblem))
    print(style.red(`${s.name}: ${safe(s.objectsProblem!)}; its newest commits are left out until they verify (\`parx down\` refuses it)`));
  if (status.guard.polling.length > 0) {
    print(
      style.yellow(
        `Guard: polling ${status.guard.polling.length} folder(s) the kernel would not watch (${safe(status.guard.polling.slice(0, 3).join(', '))}${status.guard.polling.length > 3 ? ', …' : ''}); its pane says how to fix it.`,
      ),
    );
  } else if (!status.guard.running && status.sessions.some((s) => s.alive)) {
    print(style.yellow('Guard: not running; writes outside ownership are not flagged live (`parx up --respawn` restarts its pane, or run `parx guard`).'));
  }
  for (const s of status.sessions.filter((x) => x.hooks !== 'active' && x.hookNotes.length > 0))
    print(style.yellow(`Hooks of ${s.name}: ${safe(s.hookNotes.join('; '))}.`));
  const unsandboxed = status.sessions.filter((s) => s.sandbox === 'off');
  if (unsandboxed.length > 0) {
    print(
      style.yellow(
        `Sandbox off for ${unsandboxed.map((s) => s.name).join(', ')}: ${safe([...new Set(unsandboxed.flatMap((s) => s.sandboxNotes))].join('; '))}. Writes outside ownership are flagged, not prevented.`,
      ),
    );
  }
  if (status.requests.length > 0) {
    print(style.yellow(`Open requests (parx grant <id> | parx refuse <id>):`));
    for (const r of status.requests)
      print(`  ${style.bold(r.id)}  ${r.from} asks ${r.owner ?? 'nobody'} for ${safe(r.path)}${r.reason ? `: ${safe(r.reason)}` : ''}`);
  }
  for (const g of status.grants)
    print(style.dim(`Granted: ${safe(g.path)} to ${g.to}${g.from ? ` (was ${g.from}'s)` : ''}${g.request ? `, request ${g.request}` : ''}`));
  for (const s of status.sessions.filter((x) => x.pendingMessages > 0))
    print(style.dim(`${s.name}: ${s.pendingMessages} message(s) waiting for its next turn boundary`));
  for (const s of status.sessions.filter((x) => x.forYou.length > 0 && !x.landed)) {
    print(style.yellow(`${s.name}'s agent has no hooks to take messages; pass these on in its pane:`));
    for (const note of s.forYou) print(`  ${style.dim(note.time.slice(11, 16))} ${safe(note.text)}`);
  }
  // Two forecasts, each of its own: committed branches merged pairwise, and files changed (committed
  // or not) in two worktrees at once, which the guard calls collisions.
  if (status.finished) return 0;
  if (status.forecast.length === 0) print(style.green('Conflict forecast (committed work): no two sessions’ branches conflict with each other.'));
  else {
    print(style.yellow('Conflict forecast (committed work, pairs in merge order):'));
    for (const f of status.forecast) print(`  ${f.sessions.join(' × ')}: ${safe(f.files.join(', '))}`);
  }
  const collisions = [...new Map(status.sessions.flatMap((s) => s.collisions).map((c) => [c.path, c])).values()];
  if (collisions.length > 0) {
    print(style.yellow('Collisions (committed or not, the same file changed in two worktrees: they will conflict unless one gives way):'));
    for (const c of collisions) print(`  ${safe(c.path)}: ${c.sessions.join(', ')}`);
  }
  return 0;
}
