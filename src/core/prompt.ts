/**
 * Renders a session's scoped task prompt from a template (templates/prompt.md by default).
 * Placeholders are `{{name}}`; substitution is a single pass, so a task that itself contains
 * `{{owns}}` is delivered as written.
 */

export interface PromptInput {
  session: string;
  branch: string;
  base: string;
  worktree: string;
  task: string;
  owns: readonly string[];
  shared: readonly string[];
  others: ReadonlyArray<{ name: string; owns: readonly string[] }>;
  /** Whether the session's pane runs in parx's OS sandbox. */
  sandboxed?: boolean;
}

const SANDBOX_NOTE = (branch: string, session: string) =>
  `\n\nThis session runs in an OS sandbox: everything but the files you own (and shared files, build\n` +
  `and dependency folders, temp folders) is read-only, so a write elsewhere fails with "Read-only\n` +
  `file system" (EROFS). A file beside one you may change fails with "Device or resource busy"\n` +
  `(EBUSY) when a tool replaces or removes it (sed -i, git checkout --, mv, rm): that is the same\n` +
  `refusal, not a lock that goes away; do not wait or retry. Do not try to work around either;\n` +
  `report what you need instead. git shows your branch as parx-sandbox/${session}/tip: that is\n` +
  `where ${branch} is kept while you run, and committing there is committing on ${branch}. New\n` +
  `branches, tags and \`git stash\` are not available.`;

export function renderPrompt(template: string, input: PromptInput): string {
  const bullets = (globs: readonly string[]) => globs.map((g) => `- \`${g}\``).join('\n');
  const values: Record<string, string> = {
    session: input.session,
    branch: input.branch,
    base: input.base,
    worktree: input.worktree,
    task: input.task.trimEnd(),
    owns: bullets(input.owns),
    shared: input.shared.length > 0 ? bullets(input.shared) : '(none)',
    others: input.others.length > 0 ? input.others.map((o) => `- ${o.name}: ${o.owns.map((g) => `\`${g}\``).join(', ')}`).join('\n') : '(no other sessions)',
    sessionCount: String(input.others.length + 1),
    sandbox: input.sandboxed ? SANDBOX_NOTE(input.branch, input.session) : '',
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}
