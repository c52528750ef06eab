// Benchmark: sessions on another host, the host being a real sshd on 127.0.0.1 (a private mount
// namespace hides its folder, as in test/e2e/hosts.test.ts).
//   - `parx up` of 4 local + 4 hosted sessions against `parx up` of the same 8 all local,
//     alternating (target ≤ 1.5×): the host's `up` runs while this machine fills its worktrees;
//   - `parx status` with the 4 hosted sessions running (target ≤ 1.5 s): one round trip per host.
// The host's clone is made once, untimed (the first `up` of a host also sends base's history):
// each timed `up` then finds it, as every `up` after a user's first does.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSshdProblem, startSshd } from '../helpers/sshd.mjs';
import { PARX, discard, emptyTrash, fmt, git, makeRepo, median, pairedRatio, time } from './lib.mjs';

const q = (word) => `'${word.replaceAll("'", `'\\''`)}'`;

export async function benchHosts({ runs = 5, files = 5000 } = {}) {
  const problem = getSshdProblem();
  if (problem) return { skipped: problem };
  const sshd = await startSshd();
  const base = mkdtempSync(join(tmpdir(), 'parx-bench-hosts-'));
  const env = { ...process.env, TMUX_TMPDIR: base, PATH: `${sshd.binDir}:${process.env.PATH}` };
  delete env.TMUX;
  const repo = join(base, 'repo');
  makeRepo(repo, files, { sessions: 8 });
  const dir = join(sshd.hostDir, 'clone');
  const hosts = { box: { ssh: 'parxbox', dir, parx: `${q(process.execPath)} ${q(PARX)}` } };
  const writeConfig = (hosted) =>
    writeFileSync(
      join(repo, 'parx.config.json'),
      JSON.stringify({
        // (worktreeDir at its default, relative to each clone: an absolute one would be the same
        // folder on both, and this "host" shares the file system outside its own folder.)
        agent: 'tail -f {promptFile}',
        hosts,
        sessions: Object.fromEntries(
          Array.from({ length: 8 }, (_, i) => [`s${i}`, { owns: [`src/m${i}/**`], task: `task ${i}`, ...(hosted && i >= 4 && { host: 'box' }) }]),
        ),
      }),
    );
  writeConfig(true);
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=bench', '-c', 'user.email=bench@parx.invalid', 'commit', '-q', '-m', 'config');

  const cleanup = () => {
    try {
      time('tmux', ['kill-server'], { env });
    } catch {
      // no server was running
    }
    sshd.run(
      `tmux kill-server 2>/dev/null; rm -rf ${q(`${dir}.parx`)} ${q(`${dir}/.git/parx`)}; git -C ${q(dir)} worktree prune; git -C ${q(dir)} for-each-ref --format='%(refname)' refs/heads/parx/ refs/heads/parx-sandbox/ | xargs -r -n1 git -C ${q(dir)} update-ref --no-deref -d; true`,
    );
    if (existsSync(join(base, 'repo.parx'))) discard(join(base, 'repo.parx'));
    git(repo, 'worktree', 'prune');
    const refs = git(repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/parx/', 'refs/heads/parx-sandbox/').split('\n').filter(Boolean);
    for (const ref of refs) git(repo, 'update-ref', '--no-deref', '-d', ref);
    rmSync(join(repo, '.git', 'parx'), { recursive: true, force: true });
  };
  const up = (hosted) => {
    writeConfig(hosted);
    return time(process.execPath, [PARX, 'up', '--detach'], { cwd: repo, env });
  };

  try {
    up(true); // makes the host's clone (untimed)
    cleanup();
    const mixed = [];
    const local = [];
    for (let i = 0; i < runs; i++) {
      for (const side of i % 2 ? ['local', 'mixed'] : ['mixed', 'local']) {
        if (side === 'mixed') mixed.push(up(true));
        else local.push(up(false));
        cleanup();
      }
    }
    up(true);
    const statuses = Array.from({ length: Math.max(5, runs) }, () => time(process.execPath, [PARX, 'status', '--json'], { cwd: repo, env }));
    cleanup();
    const { ratio, raw } = pairedRatio(mixed, local);
    return { mixed: median(mixed), local: median(local), ratio, raw, status: median(statuses) };
  } finally {
    await sshd.stop();
    rmSync(base, { recursive: true, force: true });
    emptyTrash();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchHosts({ runs: Number(process.argv[2] ?? 5) });
  if (r.skipped) console.log(`skipped: ${r.skipped}`);
  else
    console.log(
      `up, 4 local + 4 on a host: ${fmt(r.mixed)} vs 8 local ${fmt(r.local)}: ${r.ratio.toFixed(2)}× (pairs ${r.raw}); status with 4 hosted sessions ${fmt(r.status)}`,
    );
}
