import { describe, expect, it } from 'vitest';
import { findRefusedPaths } from '../../src/core/refused-writes.js';

const WT = '/work/repo.parx/lite';

describe('the paths a setup found read-only, from its output', () => {
  it.each([
    ['npm', `npm error code EROFS\nnpm error rofs EROFS: read-only file system, open '${WT}/package-lock.json'`, ['package-lock.json']],
    ['node', `Error: EROFS: read-only file system, mkdir '${WT}/dist/assets'`, ['dist/assets']],
    ['sh redirection', 'sh: 1: cannot create package-lock.json: Read-only file system', ['package-lock.json']],
    ['bash redirection', 'bash: out/log.txt: Read-only file system', ['out/log.txt']],
    ['touch', "touch: cannot touch 'yarn.lock': Read-only file system", ['yarn.lock']],
    ['mkdir', "mkdir: cannot create directory '.venv': Read-only file system", ['.venv']],
    ['python', `OSError: [Errno 30] Read-only file system: '${WT}/build/x.o'`, ['build/x.o']],
    ['outside the worktree', "EROFS: read-only file system, open '/home/me/.npmrc'", []],
    ['a path climbing out', 'cannot create ../x: Read-only file system', []],
    ['nothing read-only', 'npm error code ENOENT', []],
    ['twice the same', `EROFS: read-only file system, open '${WT}/a'\nsh: 1: cannot create a: Read-only file system`, ['a']],
  ])('%s', (_, output, paths) => {
    expect(findRefusedPaths(output, WT)).toEqual(paths);
  });
});
