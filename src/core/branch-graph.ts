/**
 * What every session branch has that base does not, from one `git rev-list --boundary --parents
 * <tips> --not <base>`: how many commits each branch is ahead, and where each forked (its merge
 * base with base), so that one `git diff-tree --stdin` can then list every branch's changes.
 * Pure: the git calls are in adapters/git.ts.
 */

export interface BranchFacts {
  /** Commits reachable from the tip and not from base. */
  ahead: number;
  /**
   * The merge base with base when the walk settles it: the one base commit the branch's own
   * commits grow from (the tip itself when base has it). Undefined when it grows from several
   * (base merged into the branch): the caller asks git.
   */
  forkPoint: string | undefined;
}

/**
 * `lines`: rev-list's output, one commit per line followed by its parents; a boundary commit (in
 * base, parent of a listed one) starts with `-`.
 */
export function readBranchGraph(lines: readonly string[], tips: readonly string[]): BranchFacts[] {
  const parents = new Map<string, string[]>();
  for (const line of lines) {
    if (!line || line.startsWith('-')) continue;
    const [commit, ...rest] = line.split(' ');
    parents.set(commit!, rest);
  }
  return tips.map((tip) => {
    if (!parents.has(tip)) return { ahead: 0, forkPoint: tip };
    const seen = new Set<string>();
    const grownFrom = new Set<string>();
    const stack = [tip];
    while (stack.length > 0) {
      const commit = stack.pop()!;
      if (seen.has(commit)) continue;
      seen.add(commit);
      for (const parent of parents.get(commit)!) {
        if (parents.has(parent)) stack.push(parent);
        else grownFrom.add(parent);
      }
    }
    return { ahead: seen.size, forkPoint: grownFrom.size === 1 ? [...grownFrom][0] : undefined };
  });
}

/**
 * Splits `git diff-tree --stdin --always -r -z --name-status` output into one list of
 * (status, path) per input line, in input order. With -z every field ends in NUL; where a status
 * is expected, a commit id starts the next input's section (a status is never 40 hex digits).
 */
export function splitDiffTreeOutput(out: string, inputs: number): Array<Array<{ status: string; path: string }>> {
  const fields = out.split('\0');
  const sections: Array<Array<{ status: string; path: string }>> = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(field)) sections.push([]);
    else if (field !== '' && sections.length > 0) sections.at(-1)!.push({ status: field, path: fields[++i]! });
  }
  if (sections.length !== inputs) throw new Error(`git diff-tree answered ${sections.length} of ${inputs} comparisons`);
  return sections;
}
