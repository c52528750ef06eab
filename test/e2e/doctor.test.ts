import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunFixture, type RunFixture } from '../helpers/fixture.js';
import { runParx } from '../helpers/parx.js';

/** `parx doctor` with stand-in agent CLIs (the real ones: test/real/). */

interface Doctor {
  ok: boolean;
  checks: Array<{ name: string; status: string; detail: string; fix?: string }>;
}

/** Agent programs that answer `--version` like the real ones, nothing else. */
function installVersionedAgents(run: RunFixture): Record<string, string> {
  const bin = join(run.parent, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, version] of [
    ['claude', '2.1.328 (Claude Code)'],
    ['gemini', '0.61.0'],
    ['codex', 'codex-cli 0.169.0'],
  ]) {
    writeFileSync(join(bin, name!), `#!/bin/sh\n[ "$1" = --version ] && echo '${version}' && exit 0\nexit 3\n`);
    chmodSync(join(bin, name!), 0o755);
  }
  return { PATH: `${bin}:${process.env.PATH}` };
}

const sessions = {
  auth: { owns: ['src/auth/**'], task: 't', agent: 'claude' },
  payments: { owns: ['src/payments/**'], task: 't', agent: 'gemini' },
  web: { owns: ['src/web/**'], task: 't', agent: 'codex' },
};

describe('parx doctor', () => {
  it('checks tools, the sandbox, inotify and each agent of the config, with a fix per problem (exit 1)', async () => {
    const run = createRunFixture(sessions);
    const env = installVersionedAgents(run);
    const result = await runParx(['doctor', '--json'], run.root, { ...env, PARX_BWRAP: '/nonexistent/bwrap' });
    expect(result.exitCode).toBe(1);
    const doctor = JSON.parse(result.stdout) as Doctor;
    const byName = Object.fromEntries(doctor.checks.map((c) => [c.name, c]));
    expect(doctor.ok).toBe(false);
    expect(byName.git).toMatchObject({ status: 'ok' });
    expect(byName.tmux).toMatchObject({ status: 'ok' });
    expect(byName.sandbox).toMatchObject({ status: 'problem', fix: expect.stringContaining('apt install bubblewrap') });
    expect(byName.inotify?.status).toBe('ok');
    expect(byName['file events']).toMatchObject({ status: 'ok', detail: expect.stringContaining('kernel events') });
    expect(byName['agent claude (auth)']).toMatchObject({ status: 'ok', detail: expect.stringContaining('2.1.328') });
    expect(byName['agent codex (web)']).toMatchObject({ status: 'ok', detail: expect.stringContaining('0.169.0') });
    // This home's Gemini trusts no folder: its hooks would not load.
    expect(byName['gemini hooks']).toMatchObject({ status: 'problem', fix: expect.stringContaining('TRUST_FOLDER') });
  });

  it('says no problem when everything is in place, and names a missing agent', async () => {
    const run = createRunFixture(sessions);
    const env = installVersionedAgents(run);
    const home = process.env.HOME!;
    mkdirSync(join(home, '.gemini'), { recursive: true });
    writeFileSync(join(home, '.gemini', 'trustedFolders.json'), JSON.stringify({ [run.root]: 'TRUST_FOLDER' }));
    const fine = await runParx(['doctor'], run.root, env);
    expect(fine.exitCode, fine.stdout).toBe(0);
    expect(fine.stdout).toContain('No problems.');

    const missing = await runParx(['doctor'], run.root, { PATH: process.env.PATH! });
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain('claude is not installed or not on PATH');
    expect(missing.stdout).toContain('fix: npm install -g @anthropic-ai/claude-code');
  });

  it('checks the machine alone outside a repository', async () => {
    const result = await runParx(['doctor', '--json'], process.env.HOME!);
    const doctor = JSON.parse(result.stdout) as Doctor;
    expect(doctor.checks.find((c) => c.name === 'config')).toMatchObject({ status: 'note' });
    expect(doctor.checks.some((c) => c.name.startsWith('agent'))).toBe(false);
  });
});
