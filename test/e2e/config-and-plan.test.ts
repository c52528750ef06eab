import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRepo } from '../helpers/repo.js';
import { runParx } from '../helpers/parx.js';

const files = {
  'README.md': '# r\n',
  'src/auth/login.ts': 'x\n',
  'src/auth/token.ts': 'x\n',
  'src/payments/charge.ts': 'x\n',
  'src/shared/db.ts': 'x\n',
  'package-lock.json': '{}\n',
};
const yaml = 'sessions:\n  auth:\n    owns: [src/auth/**]\n    task: Implement login.\n';
const object = { sessions: { auth: { owns: ['src/auth/**'], task: 'Implement login.' } } };

describe('config discovery', () => {
  it.each([
    ['parx.config.yaml', yaml],
    ['parx.config.yml', yaml],
    ['parx.config.json', JSON.stringify(object)],
    ['parx.config.js', `export default ${JSON.stringify(object)};`],
    ['parx.config.mjs', `export default ${JSON.stringify(object)};`],
    ['parx.config.ts', `const config: { sessions: object } = ${JSON.stringify(object)};\nexport default config;`],
    ['.parxrc', yaml],
    ['.parxrc.json', JSON.stringify(object)],
    ['.parxrc.yaml', yaml],
    ['.parxrc.yml', yaml],
    ['package.json', JSON.stringify({ name: 'r', type: 'module', parx: object.sessions ? object : {} })],
  ])('finds %s from a subdirectory', async (name, text) => {
    const repo = createRepo({ ...files, [name]: text });
    const result = await runParx(['plan', '--json'], join(repo.root, 'src', 'auth'));
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.configFile).toBe(join(repo.root, name));
    expect(plan.sessions).toEqual([{ name: 'auth', owns: ['src/auth/**'], files: 2, unmatchedGlobs: [], review: null }]);
  });

  it('uses --config over any file it would find', async () => {
    const repo = createRepo({ ...files, 'parx.config.yaml': yaml, 'other/parx.yaml': yaml.replace('src/auth/**', 'src/payments/**') });
    const result = await runParx(['--config', 'other/parx.yaml', 'plan', '--json'], repo.root);
    expect(JSON.parse(result.stdout).sessions[0].files).toBe(1);
  });

  it('says how to start when there is no config', async () => {
    const repo = createRepo(files);
    const result = await runParx(['plan'], repo.root);
    expect(result).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('no parx configuration found') });
    expect(result.stderr).toContain('parx init');
  });

  it('reports a YAML syntax error with its file and line', async () => {
    const repo = createRepo({ ...files, 'parx.config.yaml': 'sessions:\n  auth: [unclosed\n' });
    const result = await runParx(['plan'], repo.root);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/parx\.config\.yaml: cannot be parsed \(line \d+, column \d+\)/);
  });

  it('reports every invalid key with file, key path and what was expected', async () => {
    const repo = createRepo({
      ...files,
      'parx.config.yaml': 'agnet: claude\nsessions:\n  auth:\n    owns: [src/auth/**, ""]\n    task: t\n    after: [nobody]\n',
    });
    const result = await runParx(['plan'], repo.root);
    const file = join(repo.root, 'parx.config.yaml');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${file}: agnet: unknown key; did you mean "agent"?`);
    expect(result.stderr).toContain(`${file}: sessions.auth.owns[1]: expected a non-empty glob`);
    expect(result.stderr).toContain(`${file}: sessions.auth.after[0]: expected the name of another session, got unknown session "nobody"`);
  });
});

describe('parx plan', () => {
  const config = [
    'shared: [package-lock.json]',
    'sessions:',
    '  auth:',
    '    owns: [src/auth/**, test/auth/**]',
    '    task: t',
    '  payments:',
    '    owns: [src/payments/**]',
    '    task: t',
    '    after: [auth]',
    '',
  ].join('\n');

  it('maps ownership onto tracked files, changing nothing', async () => {
    const repo = createRepo({ ...files, 'parx.config.yaml': config });
    const before = repo.git('status', '--porcelain');
    const result = await runParx(['plan'], repo.root);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/auth\s+2\s+src\/auth\/\*\*, test\/auth\/\*\*/);
    expect(result.stdout).toMatch(/payments\s+1\s+src\/payments\/\*\*/);
    expect(result.stdout).toContain('auth: test/auth/**');
    expect(result.stdout).toContain('Merge order: auth → payments');
    expect(result.stdout).toContain('Shared: 1 file(s)  ·  unowned: 3 file(s)');
    expect(repo.git('status', '--porcelain')).toBe(before);
    expect(existsSync(join(repo.root, '.git', 'parx'))).toBe(false);
  });

  it('exits 1 and lists files claimed by two or more sessions', async () => {
    const repo = createRepo({ ...files, 'parx.config.yaml': config.replace('[src/payments/**]', '[src/payments/**, src/*/token.ts]') });
    const text = await runParx(['plan'], repo.root);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(/src\/auth\/token\.ts\s+auth, payments/);
    const json = await runParx(['plan', '--json'], repo.root);
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout).overlaps).toEqual([{ path: 'src/auth/token.ts', sessions: ['auth', 'payments'] }]);
  });

  it('reads the files of base, not the working tree', async () => {
    const repo = createRepo({ ...files, 'parx.config.yaml': config });
    repo.write('src/auth/untracked.ts', 'x\n');
    const result = await runParx(['plan', '--json'], repo.root);
    expect(JSON.parse(result.stdout)).toMatchObject({
      base: 'main',
      files: 7,
      sessions: [
        { name: 'auth', files: 2 },
        { name: 'payments', files: 1 },
      ],
    });
  });
});

describe('parx init', () => {
  it('writes a starter config that plan accepts, and never overwrites it', async () => {
    const repo = createRepo(files);
    const first = await runParx(['init'], join(repo.root, 'src'));
    expect(first.exitCode).toBe(0);
    const file = join(repo.root, 'parx.config.yaml');
    const text = readFileSync(file, 'utf8');
    const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
    // Editors find the schema of this very version; the reference is this version's, by URL:
    // never a path into the install (an npx cache does not last).
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=https://unpkg.com/parx@${version}/schema/parx.schema.json`);
    expect(text).toContain(`https://unpkg.com/parx@${version}/docs/configuration.md`);
    expect(text).not.toMatch(/^#.*\s\/(?!\/)\S*parx/m);
    expect((await runParx(['plan'], repo.root)).exitCode).toBe(0);

    repo.write('parx.config.yaml', 'mine\n');
    const second = await runParx(['init'], repo.root);
    expect(second).toMatchObject({ exitCode: 1, stderr: expect.stringContaining('already exists') });
    expect(repo.read('parx.config.yaml')).toBe('mine\n');
  });

  it('fits the starter to the repository: the agents installed, its package manager and lockfile, verify from its scripts, sessions from its folders', async () => {
    // Shaped like the library of the first real run: lockfiles ignored, a build script.
    const repo = createRepo({
      'package.json': JSON.stringify({ name: 'lib', scripts: { build: 'node bin/build.js', test: 'node test/index.js' } }),
      '.gitignore': 'node_modules\n*-lock.*\n',
      'src/index.js': 'x\n',
      'src/lite.js': 'x\n',
      'bin/build.js': 'x\n',
      'test/index.js': 'x\n',
      'readme.md': '# lib\n',
    });
    repo.write('package-lock.json', '{}\n');
    const bin = mkdtempSync(join(tmpdir(), 'parx-agents-'));
    for (const program of ['codex', 'gemini']) {
      writeFileSync(join(bin, program), '#!/bin/sh\nexit 0\n');
      chmodSync(join(bin, program), 0o755);
    }
    const result = await runParx(['init'], repo.root, { PATH: `${bin}:/usr/bin:/bin` });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('agent    codex (found on PATH: codex, gemini)');
    expect(result.stdout).toContain('setup    npm install (npm, package-lock.json not tracked');
    expect(result.stdout).toContain('verify   npm run build && npm test (from package.json scripts: build, then test)');
    expect(result.stdout).toContain('sessions src, bin: from the largest top-level source folders (src/, bin/)');
    const text = repo.read('parx.config.yaml');
    expect(text).toMatch(/^agent: codex$/m);
    expect(text).toMatch(/^setup: npm install$/m);
    expect(text).toMatch(/^writable: \[package-lock.json\]$/m);
    expect(text).toMatch(/^verify: npm run build && npm test$/m);
    expect(text).toContain('  src:\n    owns: [src/**]\n    task: |\n      Describe the work for src here.\n');
    expect(text).toContain('  bin:\n    owns: [bin/**]');
    const plan = await runParx(['plan', '--json'], repo.root);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).sessions).toMatchObject([
      { name: 'src', files: 2, unmatchedGlobs: [] },
      { name: 'bin', files: 1, unmatchedGlobs: [] },
    ]);
  });
});

describe('the parx command', () => {
  it('prints its version and help, and rejects unknown commands with exit 2', async () => {
    const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
    expect(await runParx(['--version'], '/')).toMatchObject({ exitCode: 0, stdout: version });
    const help = await runParx(['--help'], '/');
    expect(help.exitCode).toBe(0);
    for (const command of ['init', 'plan', 'up']) expect(help.stdout).toContain(command);
    expect(await runParx(['up', '--help'], '/')).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('--respawn') });
    expect(await runParx(['frobnicate'], '/')).toMatchObject({ exitCode: 2, stderr: expect.stringContaining("unknown command 'frobnicate'") });
    expect(await runParx(['plan', '--bogus'], '/')).toMatchObject({ exitCode: 2, stderr: expect.stringContaining("unknown option '--bogus'") });
  });
});

describe('the review configuration in plan', () => {
  it('says who reviews which session and how, lists the sessions not reviewed, and refuses a bad key naming its path', async () => {
    const repo = createRepo({ 'src/a/x.ts': 'x\n', 'src/b/y.ts': 'y\n' });
    const config = {
      review: { agent: 'codex', rounds: 2 },
      sessions: { a: { owns: ['src/a/**'], task: 't' }, b: { owns: ['src/b/**'], task: 't', review: false } },
    };
    repo.write('parx.config.json', JSON.stringify(config));
    const text = await runParx(['plan'], repo.root);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain('Review: a by codex, 2 round(s) before a human decides, required to land, automatic when an agent waits');
    expect(text.stdout).toContain('Not reviewed: b');
    const json = JSON.parse((await runParx(['plan', '--json'], repo.root)).stdout) as { sessions: Array<{ review: unknown }> };
    expect(json.sessions.map((s) => s.review)).toEqual([
      { agent: 'codex', instructions: undefined, rounds: 2, required: true, auto: true, timeoutMs: 1_200_000 },
      null,
    ]);

    repo.write('parx.config.json', JSON.stringify({ ...config, review: { agent: 'codex', round: 2 } }));
    const bad = await runParx(['plan'], repo.root);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('review.round: unknown key; did you mean "rounds"?');
  });
});
