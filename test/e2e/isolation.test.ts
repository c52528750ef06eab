import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { skipSandboxSuite } from '../helpers/bwrap.js';
import { createRunFixture, hasCommitObject, type RunFixture } from '../helpers/fixture.js';
import { runParx, waitFor } from '../helpers/parx.js';
import { killTmuxServer } from '../helpers/tmux.js';

/**
 * The isolation suite: a hostile agent (test/helpers/attacker.mjs) in session a's pane tries
 * every way to change what a does not own, then what a must be able to do. Session a owns
 * src/a/**, b owns src/b/**; docs/**, package.json and package-lock.json are shared;
 * node_modules/ and dist/ are ignored. Run with the real bubblewrap, as a hooked agent (Claude's
 * hooks: Write and Bash) and as a plain shell agent (no hooks).
 */

const ATTACKER = fileURLToPath(new URL('../helpers/attacker.mjs', import.meta.url));
const GITCONFIG = readFileSync(join(process.env.HOME!, '.gitconfig'), 'utf8');

afterEach(async () => {
  await killTmuxServer();
  writeFileSync(join(process.env.HOME!, '.gitconfig'), GITCONFIG);
});

interface Attempt {
  channel: string;
  kind: 'foreign' | 'allowed';
  ran: boolean;
  denied?: string;
  error?: string;
}

type AgentKind = 'hook' | 'shell';

/** A returning Claude Code user's state file, as the test's home folder holds it. */
const CLAUDE_JSON = '{"hasCompletedOnboarding":true,"numStartups":7}\n';
const sandboxed = (run: RunFixture) => JSON.parse(run.read('.git/parx/state.json')).sessions.a.sandbox === 'on';

/** b's files, one per channel that aims at one. */
const B_FILES = ['editor.ts', 'redirect.ts', 'sed.ts', 'mvout.ts', 'cp.ts', 'rm.ts', 'ln.ts', 'checkout.ts', 'restore.ts', 'abs.ts'];

async function attack(agent: AgentKind, sandbox: 'on' | 'off'): Promise<{ run: RunFixture; attempts: Attempt[]; before: Snapshot }> {
  const run = createRunFixture(
    { a: { owns: ['src/a/**'], task: 'Attack.' }, b: { owns: ['src/b/**'], task: 'Wait.', agent: 'shell' } },
    { tmuxSession: 'iso', shared: ['docs/**', 'package.json', 'package-lock.json'], guard: { sandbox } },
    {
      'src/a/x.ts': 'a\n',
      ...Object.fromEntries(B_FILES.map((f) => [`src/b/${f}`, 'b\n'])),
      'docs/notes.md': '# notes\n',
      '.gitignore': 'node_modules/\ndist/\n',
      'package.json': JSON.stringify({ name: 'iso', version: '1.0.0', private: true }, null, 2),
      'vendor/dep/package.json': JSON.stringify({ name: 'dep', version: '1.0.0' }),
    },
  );
  // A side branch where b's file differs, for `git checkout old -- …` and `git restore`.
  run.git('branch', 'old');
  run.git('worktree', 'add', '-q', join(run.parent, 'old'), 'old');
  for (const f of ['checkout.ts', 'restore.ts']) writeFileSync(join(run.parent, 'old', 'src/b', f), 'old b\n');
  execFileSync('git', ['commit', '-qam', 'old b'], { cwd: join(run.parent, 'old') });
  run.git('worktree', 'remove', join(run.parent, 'old'));
  // A dependency npm can install offline; the lock file it rewrites is shared.
  writeFileSync(
    join(run.root, 'package.json'),
    JSON.stringify({ name: 'iso', version: '1.0.0', private: true, dependencies: { dep: 'file:vendor/dep' } }, null, 2),
  );
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: run.root });
  execFileSync('rm', ['-rf', join(run.root, 'node_modules')]);
  run.git('add', '-A');
  run.git('commit', '-qm', 'dependency');

  // Each test starts from the same home folder: git's identity, and Claude's state file.
  mkdirSync(join(process.env.HOME!, '.claude'), { recursive: true });
  writeFileSync(join(process.env.HOME!, '.claude.json'), CLAUDE_JSON);
  writeFileSync(join(process.env.HOME!, '.gitconfig'), GITCONFIG);
  const results = join(run.records, 'attack.json');
  const bin = join(run.parent, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'claude'), `#!/bin/sh\nexec "${process.execPath}" "${ATTACKER}" "$@"\n`);
  chmodSync(join(bin, 'claude'), 0o755);
  const config = JSON.parse(run.read('parx.config.json'));
  config.sessions.a.agent = agent === 'hook' ? 'claude' : `'${process.execPath}' '${ATTACKER}'`;
  const go = join(run.records, 'go');
  config.env = {
    ...config.env,
    ATTACK_GO: go,
    ATTACK_RESULTS: results,
    ATTACK_ROOT: run.root,
    ATTACK_OTHER_WORKTREE: run.worktree('b'),
    ATTACK_TMUX_TARGET: '=iso:',
  };
  run.write('parx.config.json', JSON.stringify(config, null, 2));
  run.git('commit', '-qam', 'attack config');

  const env = { PATH: `${bin}:${process.env.PATH}` };
  const up = await runParx(['up', '--detach'], run.root, env);
  expect(up.exitCode, up.stderr + up.stdout).toBe(0);
  const before = snapshot(run);
  writeFileSync(go, '');
  await waitFor('the attacker to finish', () => existsSync(results) || undefined, 60_000);
  await waitFor('its commit to reach the shared object store', () => hasCommitObject(run, 'parx/a') || undefined);
  return { run, attempts: JSON.parse(readFileSync(results, 'utf8')) as Attempt[], before };
}

interface Snapshot {
  bBranch: string;
  aBranch: string;
  state: string;
}

function snapshot(run: RunFixture): Snapshot {
  return { bBranch: run.git('rev-parse', 'parx/b').trim(), aBranch: run.git('rev-parse', 'parx/a').trim(), state: run.read('.git/parx/state.json') };
}

/** Whether each foreign attempt changed anything it aimed at (looked at from outside any sandbox). */
function damage(run: RunFixture, before: Snapshot): Record<string, boolean> {
  const a = run.worktree('a');
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
  const changed = (file: string) => read(join(a, 'src/b', file)) !== 'b\n';
  return {
    'editor write': changed('editor.ts'),
    'shell redirection': changed('redirect.ts'),
    'sed -i': changed('sed.ts'),
    'mv into another session’s folder': existsSync(join(a, 'src/b/moved-in.ts')),
    // A copy of b's file in a's own folder is a read; the move did harm only if b's file is gone.
    'mv out of another session’s folder': changed('mvout.ts'),
    cp: changed('cp.ts'),
    rm: changed('rm.ts'),
    'ln -s, then write through the link': changed('ln.ts'),
    'mkdir, then write': existsSync(join(a, 'src/b/sub/new.ts')),
    'git checkout --': changed('checkout.ts'),
    'git restore': changed('restore.ts'),
    'git update-ref of another session’s branch': run.git('rev-parse', 'parx/b').trim() !== before.bBranch,
    'another session’s branch, written by hand': run.git('rev-parse', 'parx/b').trim() !== before.bBranch,
    'the main checkout, by absolute path': run.read('src/b/abs.ts') !== 'b\n',
    'another worktree, by absolute path': read(join(run.worktree('b'), 'src/b/abs.ts')) !== 'b\n',
    'parx’s hook policy': read(join(run.root, '.git/parx/hooks/policy.json'))?.trim() === '{}',
    'parx’s run state': read(join(run.root, '.git/parx/state.json'))?.trim() === '{}',
    'git’s hooks': existsSync(join(run.root, '.git/hooks/pre-commit')),
    'the tmux server (typing into another pane)': existsSync(join(run.root, 'tmux-was-here')),
    'git’s user config (~/.gitconfig, read by git outside the sandbox)': readFileSync(join(process.env.HOME!, '.gitconfig'), 'utf8').includes('fsmonitor'),
  };
}

/** Whether each allowed attempt took effect. */
function worked(run: RunFixture, before: Snapshot, attempts: Attempt[]): Record<string, boolean> {
  const a = run.worktree('a');
  const ran = (channel: string) => attempts.find((t) => t.channel === channel)?.ran === true;
  return {
    'owned write (editor)': ran('owned write (editor)') && readFileSync(join(a, 'src/a/x.ts'), 'utf8') === 'a edited\n',
    'owned write (shell)': ran('owned write (shell)') && existsSync(join(a, 'src/a/deep/new.ts')),
    'shared write': ran('shared write') && readFileSync(join(a, 'docs/notes.md'), 'utf8').includes('a was here'),
    'npm install (shared lock file)': ran('npm install (shared lock file)') && existsSync(join(a, 'node_modules/dep/package.json')),
    'build into dist/': ran('build into dist/') && existsSync(join(a, 'dist/out.js')),
    'temp files': ran('temp files'),
    'agent state in the home folder (~/.claude/)':
      ran('agent state in the home folder (~/.claude/)') && existsSync(join(process.env.HOME!, '.claude/projects/state.json')),
    // Inside, the agent saves as it always does; your own file is left as it was (a copy took the write).
    '~/.claude.json rewritten by temp file and rename, as Claude Code does':
      ran('~/.claude.json rewritten by temp file and rename, as Claude Code does') &&
      (!sandboxed(run) || readFileSync(join(process.env.HOME!, '.claude.json'), 'utf8') === CLAUDE_JSON),
    'git commit on its own branch':
      ran('git commit on its own branch') &&
      run.git('log', '-1', '--format=%s', 'parx/a').trim() === 'a: own work' &&
      run.git('rev-parse', 'parx/a').trim() !== before.aBranch,
  };
}

/** Where each foreign write lands in a's own worktree, when it does (what `parx check a` can see). */
const LANDS_IN_WORKTREE: Record<string, string> = {
  'editor write': 'src/b/editor.ts',
  'shell redirection': 'src/b/redirect.ts',
  'sed -i': 'src/b/sed.ts',
  'mv into another session’s folder': 'src/b/moved-in.ts',
  'mv out of another session’s folder': 'src/b/mvout.ts',
  cp: 'src/b/cp.ts',
  rm: 'src/b/rm.ts',
  'ln -s, then write through the link': 'src/b/ln.ts',
  'mkdir, then write': 'src/b/sub/new.ts',
  'git checkout --': 'src/b/checkout.ts',
  'git restore': 'src/b/restore.ts',
};

/** One table row per channel: what happened to the attempt. */
function verdicts(run: RunFixture, before: Snapshot, attempts: Attempt[], flagged: ReadonlySet<string>, hurt = damage(run, before)): Record<string, string> {
  const ok = worked(run, before, attempts);
  const rows: Record<string, string> = {};
  for (const t of attempts) {
    if (t.kind === 'allowed') rows[t.channel] = ok[t.channel] ? 'works' : `FALSE BLOCK (${t.denied ?? t.error ?? ''})`;
    else if (t.denied) rows[t.channel] = 'prevented (hook)';
    // Reaching the tmux server at all is the harm: which pane the keys land in is luck.
    else if (!(t.channel.startsWith('the tmux server') ? t.ran : hurt[t.channel])) rows[t.channel] = 'prevented';
    else rows[t.channel] = flagged.has(t.channel) ? 'flagged' : 'missed';
  }
  return rows;
}

// Skipped (and listed as skipped) only off CI: CI installs bubblewrap and must run these.
describe.skipIf(skipSandboxSuite)('isolation suite (real bubblewrap)', () => {
  for (const agent of ['hook', 'shell'] as const) {
    it(`sandbox on, ${agent} agent: every foreign write is prevented, every allowed one works`, async () => {
      const { run, attempts, before } = await attack(agent, 'on');
      const rows = verdicts(run, before, attempts, new Set());
      console.log(
        `isolation, sandbox on, ${agent} agent:\n${Object.entries(rows)
          .map(([c, v]) => `  ${c}: ${v}`)
          .join('\n')}`,
      );
      expect(Object.keys(rows)).toHaveLength(29);
      for (const [channel, verdict] of Object.entries(rows)) expect(verdict, channel).toMatch(/^(prevented|works)/);
      if (agent === 'hook') {
        // The hook names the owner before the sandbox has to refuse.
        expect(attempts.find((t) => t.channel === 'shell redirection')!.denied).toContain('belongs to session "b"');
        const denied = readFileSync(join(run.root, '.git/parx/agents/a/events.jsonl'), 'utf8');
        expect(denied).toContain('"owner":"b"');
      } else {
        // The OS refuses; nothing got through to be flagged later.
        expect(attempts.find((t) => t.channel === 'shell redirection')!.error).toContain('Read-only file system');
      }
      // git's index is a file of the worktree's git folder, which git must write to commit: a
      // `git checkout old -- <b's file>` that the OS stops at the file has already staged it.
      // That one is flagged (staged trespass), and `down` refuses to merge it.
      const check = await runParx(['check', 'a', '--json'], run.root);
      const violations = (JSON.parse(check.stdout) as { sessions: Array<{ violations: Array<{ path: string; kind: string }> }> }).sessions[0]!.violations;
      expect(violations).toEqual(agent === 'hook' ? [] : [expect.objectContaining({ path: 'src/b/checkout.ts', kind: 'trespass' })]);
    }, 120_000);
  }

  for (const agent of ['hook', 'shell'] as const) {
    it(`sandbox off, ${agent} agent: what lands in a worktree is flagged`, async () => {
      const { run, attempts, before } = await attack(agent, 'off');
      const hurt = damage(run, before);
      // Unsandboxed, a shell agent can overwrite the run state itself; put it back to look.
      writeFileSync(join(run.root, '.git/parx/state.json'), before.state);
      const check = await runParx(['check', 'a', '--json'], run.root);
      const violations = (JSON.parse(check.stdout) as { sessions: Array<{ name: string; violations: Array<{ path: string }> }> }).sessions[0]!.violations.map(
        (v) => v.path,
      );
      // A foreign write that landed in a's worktree shows in `parx check` (and the guard).
      const flagged = new Set(Object.keys(hurt).filter((c) => hurt[c] && violations.includes(LANDS_IN_WORKTREE[c] ?? '')));
      const rows = verdicts(run, before, attempts, flagged, hurt);
      console.log(
        `isolation, sandbox off, ${agent} agent:\n${Object.entries(rows)
          .map(([c, v]) => `  ${c}: ${v}`)
          .join('\n')}`,
      );
      expect(check.exitCode).toBe(1);
      for (const [channel, verdict] of Object.entries(rows)) {
        expect(verdict, channel).not.toMatch(/FALSE BLOCK/);
        // Everything that lands in the session's own worktree is flagged; the rest is what only the sandbox stops.
        if (channel in LANDS_IN_WORKTREE) expect(verdict, channel).toMatch(/^(prevented|flagged)/);
      }
    }, 120_000);
  }
});
