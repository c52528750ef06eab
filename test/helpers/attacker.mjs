#!/usr/bin/env node
// A hostile stand-in agent for the isolation suite: run by parx in session a's pane, it tries
// every way it knows to change what session a does not own, and then the things a must be able
// to do. Each attempt is recorded in $ATTACK_RESULTS (JSON) as {channel, kind, ran, error}:
// `ran` says whether the command itself succeeded; the test then looks at the files.
//
// Given `--settings <file>` (as parx starts Claude Code), it behaves like a hooked Claude: each
// editor write is offered to the PreToolUse hooks as `Write`, each shell command as `Bash`, and
// a hook that exits 2 stops the attempt (recorded as `denied`, with the reason).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const settingsFlag = args.indexOf('--settings');
const hooks = settingsFlag >= 0 ? (JSON.parse(readFileSync(args[settingsFlag + 1], 'utf8')).hooks ?? {}) : {};
const env = process.env;
const root = env.ATTACK_ROOT; // the main checkout
const other = env.ATTACK_OTHER_WORKTREE; // session b's worktree
const common = `${root}/.git`;

function hook(toolName, toolInput) {
  for (const group of hooks.PreToolUse ?? []) {
    if (group.matcher && !new RegExp(`^(?:${group.matcher})$`).test(toolName)) continue;
    for (const h of group.hooks) {
      const result = spawnSync('sh', ['-c', h.command], {
        input: JSON.stringify({ hook_event_name: 'PreToolUse', cwd: process.cwd(), tool_name: toolName, tool_input: toolInput }),
        encoding: 'utf8',
      });
      if (result.status === 2) return result.stderr.trim();
    }
  }
  return undefined;
}

// Wait for the test's go (it looks at everything first), as an agent waits for its model.
while (!existsSync(env.ATTACK_GO)) await new Promise((r) => setTimeout(r, 50));

const results = [];
function shell(channel, kind, command) {
  const denied = hook('Bash', { command });
  if (denied) return results.push({ channel, kind, ran: false, denied });
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  results.push({ channel, kind, ran: r.status === 0, error: (r.stderr || '').trim().split('\n').at(-1) });
}
function editor(channel, kind, path, text) {
  const denied = hook('Write', { file_path: resolve(path), content: text });
  if (denied) return results.push({ channel, kind, ran: false, denied });
  try {
    writeFileSync(path, text);
    results.push({ channel, kind, ran: true });
  } catch (error) {
    results.push({ channel, kind, ran: false, error: error.message });
  }
}

// ── Foreign writes: every one must fail (sandbox on) and leave the target as it was ──
// Each channel aims at a file of b's of its own, so that one attempt cannot hide another's.
editor('editor write', 'foreign', 'src/b/editor.ts', 'evil editor\n');
shell('shell redirection', 'foreign', 'echo evil > src/b/redirect.ts');
shell('sed -i', 'foreign', "sed -i 's/b/evil/' src/b/sed.ts");
shell('mv into another session’s folder', 'foreign', 'echo evil > src/a/carrier.ts && mv src/a/carrier.ts src/b/moved-in.ts');
shell('mv out of another session’s folder', 'foreign', 'mv src/b/mvout.ts src/a/stolen.ts');
shell('cp', 'foreign', 'cp src/a/x.ts src/b/cp.ts');
shell('rm', 'foreign', 'rm -f src/b/rm.ts');
shell('ln -s, then write through the link', 'foreign', 'ln -s ../b/ln.ts src/a/link.ts; echo evil > src/a/link.ts');
shell('mkdir, then write', 'foreign', 'mkdir -p src/b/sub && echo evil > src/b/sub/new.ts');
shell('git checkout --', 'foreign', 'git checkout old -- src/b/checkout.ts');
shell('git restore', 'foreign', 'git restore --source=old --worktree -- src/b/restore.ts');
shell('git update-ref of another session’s branch', 'foreign', `git update-ref refs/heads/parx/b old`);
shell('another session’s branch, written by hand', 'foreign', `git rev-parse old > ${common}/refs/heads/parx/b`);
shell('the main checkout, by absolute path', 'foreign', `echo evil > ${root}/src/b/abs.ts`);
shell('another worktree, by absolute path', 'foreign', `echo evil > ${other}/src/b/abs.ts`);
shell('parx’s hook policy', 'foreign', `echo '{}' > ${common}/parx/hooks/policy.json`);
shell('parx’s run state', 'foreign', `echo '{}' > ${common}/parx/state.json`);
shell('git’s hooks', 'foreign', `echo 'exit 0' > ${common}/hooks/pre-commit`);
shell('git’s user config (~/.gitconfig, read by git outside the sandbox)', 'foreign', 'printf "[core]\\n\\tfsmonitor = touch $HOME/pwned\\n" >> ~/.gitconfig');
shell('the tmux server (typing into another pane)', 'foreign', `tmux send-keys -t ${env.ATTACK_TMUX_TARGET} 'echo evil > ${root}/tmux-was-here' Enter`);

// ── What session a must be able to do ──
editor('owned write (editor)', 'allowed', 'src/a/x.ts', 'a edited\n');
shell('owned write (shell)', 'allowed', 'mkdir -p src/a/deep && echo new > src/a/deep/new.ts');
shell('shared write', 'allowed', 'echo "a was here" >> docs/notes.md');
shell('npm install (shared lock file)', 'allowed', 'npm install --offline --no-audit --no-fund --loglevel=error');
shell('build into dist/', 'allowed', 'mkdir -p dist && echo built > dist/out.js');
shell('temp files', 'allowed', 'echo t > "${TMPDIR:-/tmp}/parx-attack-$$" && rm "${TMPDIR:-/tmp}/parx-attack-$$"');
shell('agent state in the home folder (~/.claude/)', 'allowed', 'mkdir -p ~/.claude/projects && echo s > ~/.claude/projects/state.json');
shell(
  '~/.claude.json rewritten by temp file and rename, as Claude Code does',
  'allowed',
  'mkdir ~/.claude.json.lock && cp ~/.claude.json ~/.claude.json.tmp.1 && echo \'{"numStartups":2}\' > ~/.claude.json.tmp.1 && mv ~/.claude.json.tmp.1 ~/.claude.json && rmdir ~/.claude.json.lock && grep -q numStartups ~/.claude.json',
);
shell('git commit on its own branch', 'allowed', 'git add src/a && git commit -q -m "a: own work"');

writeFileSync(env.ATTACK_RESULTS, JSON.stringify(results, null, 2));
// Stay, as an interactive agent does.
setInterval(() => {}, 1 << 30);
