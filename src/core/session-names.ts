/**
 * The one home of a session's names: its branch, the ref its sandbox keeps the branch's tip in,
 * and how a worktree's branch reads under its usual name. Pure.
 */

/** The branch of session `session`: `parx/<session>`. */
export function getSessionBranch(session: string): string {
  return `parx/${session}`;
}

/**
 * Where a sandboxed session's branch is stored. Git updates a branch by renaming a lock file in
 * the branch's folder, so whoever may update `refs/heads/parx/alpha` may update every
 * `refs/heads/parx/*`. A sandboxed session's commits go to a branch in a folder of its own,
 * `refs/heads/parx-sandbox/<session>/tip`, the only refs folder its sandbox may write: its
 * worktree's HEAD points there, and `parx/<session>` is a symbolic ref to it, so every other
 * reader (parx, the human, `git merge parx/alpha`) sees the session's work under its usual name.
 */
export function getSandboxTipRef(session: string): string {
  return `refs/heads/parx-sandbox/${session}/tip`;
}

/** A worktree's branch under its usual name: `parx-sandbox/<session>/tip` is `parx/<session>`. */
export function getSessionBranchName(branch: string): string {
  const match = /^parx-sandbox\/([^/]+)\/tip$/.exec(branch);
  return match ? `parx/${match[1]}` : branch;
}
