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
