/**
 * The first `major.minor` in a tool's version text (`git version 2.39.5`, `tmux 3.3a`), and
 * whether it is at least `min`; undefined when the text holds no version.
 */
export function readVersion(text: string, min: readonly [major: number, minor: number]): { major: number; minor: number; atLeast: boolean } | undefined {
  const match = /(\d+)\.(\d+)/.exec(text);
  if (!match) return undefined;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return { major, minor, atLeast: major > min[0] || (major === min[0] && minor >= min[1]) };
}

/** The first `x.y.z` in a program's `--version` text (`2.1.332 (Claude Code)`, `codex-cli 0.171.0`). */
export function readSemver(text: string): string | undefined {
  return /(\d+\.\d+\.\d+)/.exec(text)?.[1];
}

/** -1, 0 or 1 as `a` is older than, the same as, or newer than `b` (`x.y.z` each). */
export function compareSemver(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0) ? -1 : 1;
  return 0;
}

/**
 * How an installed agent's version stands against the versions parx was tested with (the pin
 * and the one before it): `tested`, or `newer`/`older` than every tested one.
 */
export function judgeAgentVersion(installed: string, tested: readonly string[]): 'tested' | 'newer' | 'older' | 'between' {
  if (tested.includes(installed)) return 'tested';
  if (tested.every((t) => compareSemver(installed, t) > 0)) return 'newer';
  if (tested.every((t) => compareSemver(installed, t) < 0)) return 'older';
  return 'between';
}
