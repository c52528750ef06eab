// Benchmark: `parx integrate` of 8 sessions × 20 commits on a 5,000-file repository with a 1 s
// verify, against its budget: the merges (measured as a verify-less, merge-only run) plus one
// verify run when everything integrates, ⌈log2 8⌉+1 = 4 when one session breaks it. A verify
// run is what verifying a state takes: checking it out in the scratch worktree, then verify.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARX, discard, emptyTrash, git, makeRepo, median, pairedRatio, time } from './lib.mjs';

const SESSIONS = 8;
const COMMITS = 20;
const BREAKER = 5;
const VERIFY = 'sleep 1; test ! -e src/m5/BROKEN';

/** Each session's 20 commits under refs/bench/ok/ and refs/bench/bad/ (where s5's last commit adds src/m5/BROKEN). */
function makeSessionWork(repo) {
  const main = git(repo, 'rev-parse', 'main').trim();
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  let stream = '';
  for (const variant of ['ok', 'bad']) {
    for (let s = 0; s < SESSIONS; s++) {
      for (let c = 0; c < COMMITS; c++) {
        const file = s + SESSIONS * c;
        stream += `commit refs/bench/${variant}/s${s}\ncommitter bench <bench@parx.invalid> ${1_700_000_000 + c} +0000\n${data(`s${s}: change ${c}`)}`;
        if (c === 0) stream += `from ${main}\n`;
        stream += `M 100644 inline src/m${s}/d${Math.floor(file / 100) % 10}/f${file}.ts\n${data(`export const v${file} = -${file};\n`)}`;
        if (variant === 'bad' && s === BREAKER && c === COMMITS - 1) stream += `M 100644 inline src/m${s}/BROKEN\n${data('x\n')}`;
      }
    }
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo, input: stream });
}

export function benchIntegrate({ runs = 5, files = 5000, dir = tmpdir() } = {}) {
  const base = mkdtempSync(join(dir, 'parx-bench-integrate-'));
  const repo = join(base, 'repo');
  makeRepo(repo, files, { sessions: SESSIONS });
  const sessions = Object.fromEntries(Array.from({ length: SESSIONS }, (_, i) => [`s${i}`, { owns: [`src/m${i}/**`], task: `task ${i}` }]));
  const writeConfig = (verify) => writeFileSync(join(repo, 'parx.config.json'), JSON.stringify({ agent: 'shell', ...(verify && { verify }), sessions }));
  writeConfig(VERIFY);
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit', '-q', '-m', 'config');
  makeSessionWork(repo);
  const point = (variant) => {
    for (let s = 0; s < SESSIONS; s++) git(repo, 'update-ref', `refs/heads/parx/s${s}`, `refs/bench/${variant}/s${s}`);
  };
  const integrateAllowingFailure = () => {
    const started = process.hrtime.bigint();
    let out;
    try {
      out = execFileSync(process.execPath, [PARX, 'integrate', '--json'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      if (error.status !== 1) throw error;
      out = error.stdout;
    }
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, record: JSON.parse(out) };
  };

  // Untimed: the scratch worktree made and reused, as on every run after a run's first.
  point('ok');
  integrateAllowingFailure();
  const scratch = join(repo, '.git', 'parx', 'integrate', 'tree');
  const merges = [];
  const verifies = [];
  const ok = [];
  const bad = [];
  let runsOnFailure = 0;
  for (let i = 0; i < runs; i++) {
    writeConfig(undefined);
    point(i % 2 ? 'bad' : 'ok');
    merges.push(integrateAllowingFailure().ms);
    writeConfig(VERIFY);
    // One verify run: the state put in the scratch worktree (a checkout), then verify.
    verifies.push(
      time('git', ['checkout', '-q', '--force', '--detach', `refs/bench/ok/s${i % SESSIONS}`], { cwd: scratch }) + time('sh', ['-c', VERIFY], { cwd: scratch }),
    );
    point('ok');
    const good = integrateAllowingFailure();
    if (!good.record.ok) throw new Error('the good queue did not integrate');
    ok.push(good.ms);
    point('bad');
    const broken = integrateAllowingFailure();
    if (broken.record.breaking?.session !== `s${BREAKER}`) throw new Error(`expected s${BREAKER} to break, got ${JSON.stringify(broken.record.breaking)}`);
    runsOnFailure = broken.record.verifyRuns.find + broken.record.verifyRuns.attribute;
    bad.push(broken.ms);
  }
  discard(base);
  // Each run's budget from that run's own merge-only and verify measurements.
  const runsBudget = Math.ceil(Math.log2(SESSIONS)) + 1;
  const okBudgets = merges.map((m, i) => m + verifies[i]);
  const badBudgets = merges.map((m, i) => m + runsBudget * verifies[i]);
  const okRatio = pairedRatio(ok, okBudgets);
  const badRatio = pairedRatio(bad, badBudgets);
  return {
    merges: median(merges),
    verify: median(verifies),
    ok: median(ok),
    bad: median(bad),
    runsOnFailure,
    okBudget: median(okBudgets),
    badBudget: median(badBudgets),
    okRatio: okRatio.ratio,
    badRatio: badRatio.ratio,
    rawOk: okRatio.raw,
    rawBad: badRatio.raw,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = benchIntegrate({ runs: Number(process.argv[2] ?? 5) });
  console.log(JSON.stringify(result, null, 2));
  emptyTrash();
}
