import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { getGitUrl, getHostCommandLine, getHostRunConfig, groupByHost } from '../../src/core/hosts.js';
import { validateConfig, type ParxConfig } from '../../src/core/config-validate.js';

const host = (extra: Partial<{ ssh: string; dir: string; parx: string }> = {}) => ({ ssh: 'dev@box', dir: '/srv/shop', ...extra });

describe('the remote command line', () => {
  // What a POSIX shell on the host makes of the line: the words parx meant, byte for byte.
  const wordsOnHost = (line: string) =>
    JSON.parse(
      execFileSync('sh', ['-c', `${line.replace(/^parx host/, 'node -e "console.log(JSON.stringify(process.argv.slice(1)))"')}`], { encoding: 'utf8' }),
    ) as string[];

  it.each([
    ['/srv/shop'],
    ['/srv/my shop #1'],
    ["/srv/it's"],
    ['/srv/$(touch /tmp/parx-pwned)`id`'],
    ['/srv/a"b\\c;d|e&f>g<h*i?j~k{l}'],
    ['/srv/ünïcødé\ttab'],
    [''],
  ])('reaches the host as the same word: %j', (dir) => {
    expect(wordsOnHost(getHostCommandLine(host(), ['attach', dir]))).toEqual(['attach', dir]);
  });

  it.each([
    [host(), ['status'], 'parx host status'],
    [host({ parx: 'npx parx@0.1.0' }), ['status'], 'npx parx@0.1.0 host status'],
    [host({ parx: '~/bin/parx' }), ['attach', '/srv/a b'], "~/bin/parx host attach '/srv/a b'"],
  ])('starts with the configured parx command: %j %j', (h, args, line) => {
    expect(getHostCommandLine(h, args)).toBe(line);
  });
});

describe('getGitUrl', () => {
  it.each([
    ['dev@box', '/srv/shop', 'dev@box:/srv/shop'],
    ['box', '~/shop', 'box:~/shop'],
    ['ssh://dev@box:2222', '/srv/shop', 'ssh://dev@box:2222/srv/shop'],
    ['ssh://dev@box:2222/', '/srv/shop', 'ssh://dev@box:2222/srv/shop'],
    ['ssh://dev@box', '~/shop', 'ssh://dev@box/~/shop'],
  ])('%s with %s → %s', (ssh, dir, url) => {
    expect(getGitUrl({ ssh, dir })).toBe(url);
  });
});

describe('the configuration a host runs', () => {
  const config = (raw: object): ParxConfig => {
    const result = validateConfig(raw, { readTaskFile: () => 'from a file' });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result.config;
  };
  const run = config({
    verify: 'npm test',
    teardown: 'make clean',
    notify: 'notify-send x',
    copy: ['.env'],
    land: 'auto',
    review: { agent: 'codex' },
    env: { A: '1' },
    hosts: { box: host() },
    sessions: {
      api: { owns: ['api/**'], task: 'Build it.', host: 'box', after: ['web'], budget: { usd: 3 }, env: { B: '2' }, review: false },
      web: { owns: ['web/**'], taskFile: 'web.md' },
    },
  });
  const slice = getHostRunConfig(run, 'main', run.hosted);

  it('is valid as it is, resolved here (tasks, env, setup), and names none of this machine’s files', () => {
    const again = config(slice);
    expect(again.sessions.map((s) => [s.name, s.task, s.env, s.budget])).toEqual([['api', 'Build it.', { A: '1', B: '2' }, { usd: 3 }]]);
    expect(again.base).toBe('main');
    expect(again.teardown).toBe('make clean');
  });

  it.each([['verify'], ['notify'], ['copy'], ['land'], ['review'], ['hosts'], ['promptTemplate']])('leaves out %s (this machine’s part)', (key) => {
    expect(slice).not.toHaveProperty(key);
  });

  it('drops after (hosted sessions land from here) and groups sessions by host in order', () => {
    expect((slice.sessions as Record<string, object>).api).not.toHaveProperty('after');
    expect([...groupByHost(run.hosted)].map(([h, s]) => [h, s.map((x) => x.name)])).toEqual([['box', ['api']]]);
  });
});
