import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drainSessionObjects, getSessionObjectsDir, listFolderObjects, prepareSessionObjects, verifyTip } from '../../src/adapters/session-objects.js';
import { createRepo } from '../helpers/repo.js';

/** A sandboxed session's own object folder, drained into the shared store by hash (adapters/session-objects.ts). */
describe('draining a session’s objects', () => {
  it('an object that does not hash to its name never enters the shared store, and the tip that needs it is refused', async () => {
    const { repo, common, dir, git } = await sessionFolder();
    const base = repo.git('rev-parse', 'HEAD').trim();
    // A blob named after content it does not hold, and a commit whose tree names it.
    const claimed = execFileSync('git', ['hash-object', '--stdin'], { cwd: repo.root, input: 'what another session will write\n', encoding: 'utf8' }).trim();
    const evil = git(['hash-object', '-w', '--stdin'], 'evil\n');
    mkdirSync(join(dir, claimed.slice(0, 2)), { recursive: true });
    writeFileSync(join(dir, claimed.slice(0, 2), claimed.slice(2)), readFileSync(join(dir, evil.slice(0, 2), evil.slice(2))));
    const tree = git(['mktree'], `100644 blob ${claimed}\tforged.txt\n`);
    const tip = git(['commit-tree', tree, '-p', base, '-m', 'forged']);
    expect(await drainSessionObjects(repo.root, common, 's')).toEqual({ ok: false, reason: expect.stringContaining('does not hash to its name') as string });
    expect(await verifyTip(repo.root, tip, [base])).toMatchObject({ ok: false });
    expect(() => execFileSync('git', ['cat-file', '-e', claimed], { cwd: repo.root, stdio: 'ignore' })).toThrow();
    // What did hash right (the commit, the tree, the evil blob under its own name) moved over, and left the folder.
    expect(existsSync(join(dir, evil.slice(0, 2), evil.slice(2)))).toBe(false);
    expect(existsSync(getSessionObjectsDir(common, 's'))).toBe(true);
  });

  it('moves a commit into the shared store only after the trees and blobs it names (plain git never meets it without its tree)', async () => {
    const { repo, common, git } = await sessionFolder();
    const tree = writeTree(git);
    const commit = git(['commit-tree', tree, '-m', 'c']);
    // git as the drain runs it, keeping each pack handed to unpack-objects (which writes its
    // objects one after another: in one pack, the commit before its tree).
    const bin = join(repo.root, '..', 'bin');
    const kept = join(repo.root, '..', 'unpacked');
    mkdirSync(bin);
    mkdirSync(kept);
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\nfor a in "$@"; do if [ "$a" = unpack-objects ]; then n=$(ls ${kept} | wc -l); tee ${kept}/$n.pack | ${realGit} "$@"; exit $?; fi; done\nexec ${realGit} "$@"\n`,
      { mode: 0o755 },
    );
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      expect(await drainSessionObjects(repo.root, common, 's')).toMatchObject({ ok: true });
    } finally {
      process.env.PATH = path;
    }
    const typesOf = (pack: string) => {
      const copy = join(kept, `copy-${pack}`);
      writeFileSync(copy, readFileSync(join(kept, pack)));
      execFileSync('git', ['index-pack', copy], { cwd: repo.root });
      const listed = execFileSync('git', ['verify-pack', '-v', copy.replace(/\.pack$/, '.idx')], { cwd: repo.root, encoding: 'utf8' });
      return [...new Set(listed.split('\n').flatMap((l) => /^[0-9a-f]{40,64} (\w+)/.exec(l)?.[1] ?? []))].sort();
    };
    const packs = readdirSync(kept).sort();
    expect(packs.map(typesOf)).toEqual([['blob', 'tree'], ['commit']]);
    expect(execFileSync('git', ['cat-file', '-t', commit], { cwd: repo.root, encoding: 'utf8' }).trim()).toBe('commit');
  });

  it('lists a tree written while the listing ran, before the commit that names it: never the commit alone', async () => {
    const { repo, dir, git } = await sessionFolder();
    // A tree and a commit in different fan-out folders (the commit message is varied until they are).
    const tree = writeTree(git);
    let commit = '';
    for (let i = 0; commit.slice(0, 2) === tree.slice(0, 2) || !commit; i++) commit = git(['commit-tree', tree, '-m', `c${i}`]);
    // As git writes them: neither exists when the listing starts (the tree's fan-out folder is not
    // even made yet); both are written, the tree first, just before the commit's folder is read.
    const aside = join(repo.root, '..', 'aside');
    mkdirSync(aside);
    const treeFolder = join(dir, tree.slice(0, 2));
    const commitFile = join(dir, commit.slice(0, 2), commit.slice(2));
    renameSync(treeFolder, join(aside, 'tree'));
    renameSync(commitFile, join(aside, 'commit'));
    let written = false;
    const readWhileGitWrites = async (path: string) => {
      if (path === join(dir, commit.slice(0, 2)) && !written) {
        written = true;
        renameSync(join(aside, 'tree'), treeFolder);
        renameSync(join(aside, 'commit'), commitFile);
      }
      return readdir(path);
    };
    const ids = (await listFolderObjects(dir, readWhileGitWrites)).loose.map((o) => o.id);
    expect(written).toBe(true);
    expect(ids).toEqual(expect.arrayContaining([commit, tree]));
  });

  it('moves a pack whose last byte is a newline whole (its checksum ends in 0x0a one time in 256)', async () => {
    const { repo, common, dir, git } = await sessionFolder();
    const env = { ...process.env, GIT_OBJECT_DIRECTORY: dir, GIT_ALTERNATE_OBJECT_DIRECTORIES: join(common, 'objects') };
    const packOf = (id: string) => execFileSync('git', ['pack-objects', '--stdout', '-q'], { cwd: repo.root, env, input: `${id}\n` });
    // A blob whose one-object pack ends in a newline: 'parx 155' here; searched for where git
    // compresses differently. Everything written before it is drained first, so it packs alone.
    let blob = '';
    for (let i = 155; !blob || packOf(blob).at(-1) !== 0x0a; i++) {
      await drainSessionObjects(repo.root, common, 's');
      blob = git(['hash-object', '-w', '--stdin'], `parx ${i}\n`);
    }
    // A drain that took git's output as text lost that byte: unpack-objects failed with "early
    // EOF", and every later drain made the same pack, so the session's commit never arrived.
    expect(await drainSessionObjects(repo.root, common, 's')).toEqual({ ok: true, moved: 1 });
    expect(execFileSync('git', ['cat-file', '-t', blob], { cwd: repo.root, encoding: 'utf8' }).trim()).toBe('blob');
    expect(existsSync(join(dir, blob.slice(0, 2), blob.slice(2)))).toBe(false);
  });

  it('a folder git is still writing when the listing stops: what its last pass found first waits for the next drain (a commit listed then may lack its tree)', async () => {
    const { repo, dir, git } = await sessionFolder();
    const tree = writeTree(git);
    const commit = git(['commit-tree', tree, '-m', 'c']);
    const commitFile = join(dir, commit.slice(0, 2), commit.slice(2));
    const aside = join(repo.root, '..', 'commit');
    renameSync(commitFile, aside);
    // A large `git add`: every pass finds a new blob; in the last, the commit appears (as if its
    // tree went into a folder that pass had read already).
    const blobs: string[] = [];
    let passes = 0;
    const readWhileGitWrites = async (path: string) => {
      if (path === dir) {
        passes++;
        blobs.push(git(['hash-object', '-w', '--stdin'], `blob ${passes}\n`));
        if (passes === 4) renameSync(aside, commitFile);
      }
      return readdir(path);
    };
    const ids = (await listFolderObjects(dir, readWhileGitWrites)).loose.map((o) => o.id);
    expect(passes).toBe(4);
    expect(ids).toEqual(expect.arrayContaining([tree, ...blobs.slice(0, 3)]));
    expect(ids).not.toContain(commit);
    expect(ids).not.toContain(blobs[3]);
  });
});

/** A repository and session `s`'s object folder, with a git that writes into that folder as the session's sandbox makes it. */
async function sessionFolder() {
  const repo = createRepo({ 'b.txt': 'b\n' });
  const common = join(repo.root, '.git');
  const dir = await prepareSessionObjects(common, 's');
  const env = { ...process.env, GIT_OBJECT_DIRECTORY: dir, GIT_ALTERNATE_OBJECT_DIRECTORIES: join(common, 'objects') };
  const git = (args: string[], input?: string) => execFileSync('git', args, { cwd: repo.root, env, encoding: 'utf8', input }).trim();
  return { repo, common, dir, git };
}

/** A tree of one new blob, written by that git. */
function writeTree(git: (args: string[], input?: string) => string): string {
  return git(['mktree'], `100644 blob ${git(['hash-object', '-w', '--stdin'], 'new\n')}\tnew.txt\n`);
}
