import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunFixture } from '../helpers/fixture.js';
import { PARX_BIN, runParx } from '../helpers/parx.js';

/** Each shell's script, sourced in the real shell, asked what TAB offers after `words`. */
function setUp() {
  const run = createRunFixture({
    auth: { owns: ['src/auth/**'], task: 'x' },
    api: { owns: ['src/api/**'], task: 'x' },
    web: { owns: ['src/web/**'], task: 'x' },
  });
  const bin = join(run.root, '..', 'bin');
  mkdirSync(bin);
  symlinkSync(PARX_BIN, join(bin, 'parx'));
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const shell = (program: string, args: string[]) => execFileSync(program, args, { cwd: run.root, env, encoding: 'utf8' }).split('\n').filter(Boolean);
  return { run, shell };
}

const has = (program: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`]);
    return true;
  } catch {
    return false;
  }
};

describe('parx completion', () => {
  it('refuses an unknown shell with exit 2', async () => {
    const result = await runParx(['completion', 'tcsh'], '/');
    expect(result).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('expected bash, zsh, fish') });
  });

  it('bash: commands, flags and the config’s session names', () => {
    const { shell } = setUp();
    const ask = (...words: string[]) =>
      shell('bash', [
        '-c',
        `eval "$(parx completion bash)"; COMP_WORDS=(parx ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _parx_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ]);
    expect(ask('do')).toEqual(['down', 'doctor']);
    expect(ask('down', 'a')).toEqual(['auth', 'api']);
    expect(ask('down', 'auth', '')).toEqual(['api', 'web']);
    expect(ask('down', '--k')).toEqual(['--keep']);
    expect(ask('completion', 'f')).toEqual(['fish']);
    expect(shell('bash', ['-c', 'eval "$(parx completion bash)"; complete -p parx'])).toEqual(['complete -o default -F _parx_complete parx']);
  });

  it.skipIf(!has('zsh'))('zsh: the same through _describe, files through _files', () => {
    const { shell } = setUp();
    // compdef, _describe and _files are compsys's; stand-ins print what they were given.
    const ask = (...words: string[]) =>
      shell('zsh', [
        '-fc',
        `compdef() { print -r -- "compdef $*" }; _describe() { local n=\${@[-1]}; print -rl -- \${(P)n} }; _files() { print FILES }; source <(parx completion zsh); words=(parx ${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length + 1}; _parx`,
      ]);
    expect(ask('up', 'w')).toEqual(['compdef _parx parx', 'web:session']);
    expect(ask('stat')).toEqual(['compdef _parx parx', expect.stringMatching(/^status:one row per session/)]);
    expect(ask('--config', '')).toEqual(['compdef _parx parx', 'FILES']);
  });

  it.skipIf(!has('fish'))('fish: values with their descriptions', () => {
    const { shell } = setUp();
    const ask = (line: string) => shell('fish', ['--no-config', '-c', `parx completion fish | source; complete -C '${line}'`]);
    expect(ask('parx check a')).toEqual(['api\tsession', 'auth\tsession']);
    expect(ask('parx down --dry')).toEqual(['--dry-run\tprint the plan and the predicted conflicts; change nothing']);
    expect(ask('parx doc')).toEqual([expect.stringMatching(/^doctor\tcheck tools/)]);
  });
});
