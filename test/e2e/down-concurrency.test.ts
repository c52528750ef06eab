import { describe, expect, it } from 'vitest';
import { deleteBranches } from '../../src/adapters/git.js';
import { listSandboxedBranches } from '../../src/adapters/sandbox-branches.js';
import { createRepo } from '../helpers/repo.js';

/** The batched git calls `parx down` makes for all sessions at once, against real git. */
describe('batched branch deletion', () => {
  it('deletes the merged branches in one call and names each refused one with its own reason', async () => {
    const repo = createRepo();
    repo.git('branch', 'parx/merged');
    repo.git('branch', 'parx/also-merged');
    repo.git('switch', '-q', '-c', 'parx/unmerged');
    repo.write('x.txt', 'x\n');
    repo.git('add', 'x.txt');
    repo.git('commit', '-qm', 'only on this branch');
    repo.git('switch', '-q', 'main');
    // A tag of the same name must not confuse which branches are left.
    repo.git('tag', 'parx/unmerged');

    const refused = await deleteBranches(repo.root, ['parx/merged', 'parx/unmerged', 'parx/also-merged']);
    expect([...refused.keys()]).toEqual(['parx/unmerged']);
    expect(refused.get('parx/unmerged')).toContain("'parx/unmerged'");
    expect(repo.git('for-each-ref', '--format=%(refname)', 'refs/heads/parx/').trim()).toBe('refs/heads/parx/unmerged');
    expect(await deleteBranches(repo.root, [])).toEqual(new Map());
  });

  it('lists the sessions whose branch lives in their own folder', async () => {
    const repo = createRepo();
    repo.git('branch', 'parx-sandbox/api/tip');
    repo.git('branch', 'parx-sandbox/web-2/tip');
    repo.git('branch', 'parx/plain');
    expect([...(await listSandboxedBranches(repo.root))].sort()).toEqual(['api', 'web-2']);
  });
});

describe('state written by cleanups running side by side', () => {
  it('lands every write whole, in call order, the last one winning', async () => {
    const { RunFiles } = await import('../../src/adapters/run-files.js');
    const repo = createRepo();
    const files = new RunFiles(`${repo.root}/.git`);
    const writes = Array.from({ length: 20 }, (_, i) => files.writeState({ version: 1, step: i } as never));
    await Promise.all(writes);
    expect(JSON.parse(repo.read('.git/parx/state.json')).step).toBe(19);
  });
});
