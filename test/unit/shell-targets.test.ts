import { describe, expect, it } from 'vitest';
import { getShellWriteTargets } from '../../src/core/shell-targets.js';

describe('the obvious targets of a shell command (Claude’s Bash tool)', () => {
  it.each([
    ['echo x > src/b/evil.ts', ['src/b/evil.ts'], false],
    ['echo x >> a.log 2>&1', ['a.log'], false],
    ['cat <<EOF > h\nhi\nEOF', ['h'], false],
    ["sed -i 's/a/b/' f g", ['f', 'g'], false],
    ['sed -i -e s/a/b/ f', ['f'], false],
    ["sed 's/a/b/' f", [], false],
    ['mv a b && cp -r x y', ['a', 'b', 'y'], false],
    ['cp -t dir a b', ['dir'], false],
    ['rm -rf -- -odd', ['-odd'], false],
    ['touch "quoted name.ts"', ['quoted name.ts'], false],
    ['ln -s ../b/y.ts link.ts', ['link.ts'], false],
    ['echo $X > "$F"; tee $(pwd)/x', [], false],
    ['ls 2>&1 >/dev/null', [], false],
    ['(cd x; rm -rf a) | tee -a out.txt', ['a', 'out.txt'], true],
    ['for f in a; do echo > z; done', ['z'], false],
    ['git checkout old -- src/b/y.ts', ['src/b/y.ts'], false],
    ['git restore --source=old -- src/b/y.ts', ['src/b/y.ts'], false],
    ['git checkout main', [], false],
    ['dd if=/dev/zero of=blob bs=1 count=1', ['blob'], false],
    ['mkdir -p src/b/sub', ['src/b/sub/'], false],
    ['mkdir -m 700 a b/', ['a/', 'b/'], false],
    ['rmdir src/b/old', ['src/b/old/'], false],
    ['mkfifo -m 600 pipe', ['pipe'], false],
    ['mknod dev c 1 3', ['dev'], false],
    ['chmod +x src/b/run.sh', ['src/b/run.sh'], false],
    ['npm test', [], false],
    ['echo x >> ~/.gitconfig; echo y > ~other/.bashrc', ['~/.gitconfig'], false],
  ])('%j → %j', (command, paths, moved) => {
    expect(getShellWriteTargets(command)).toEqual({ paths, moved });
  });

  it('gives up on a command line it cannot parse (the sandbox still holds)', () => {
    expect(getShellWriteTargets('echo "unterminated')?.paths ?? []).toEqual([]);
  });
});
