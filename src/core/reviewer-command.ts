import { buildAgentArgv, getPromptPointer, MAX_ARG_BYTES, splitCommandLine, type PromptRef } from './agent-command.js';

/**
 * How a reviewer starts: the agents run headless (one turn, no terminal), with the prompt as one
 * argv element, never through a shell. Any other command line works as a session's agent does
 * (`{prompt}`, `{promptFile}`, or the prompt appended). `shell` means no reviewer program: the
 * human reviews (`parx review show`, then `approve` or `reject`).
 *
 *   claude  `claude -p --settings <file>`: the settings are passed explicitly (a `--bare` run
 *           reads no other) and allow reading and running commands, deny every edit tool.
 *   codex   `codex exec --sandbox danger-full-access`: its own sandbox cannot start inside
 *           parx's (no user namespaces are left), and its read-only one would refuse the answer
 *           file; parx's sandbox confines it (without one, `parx review` says it is not confined).
 *   gemini  `gemini -p` with `--approval-mode yolo`: headless Gemini CLI runs no tool it would
 *           have to ask about; parx's sandbox is what confines it.
 */

export interface ReviewerFacts {
  /** The Claude Code settings file for reviewers (getReviewerClaudeSettings). */
  claudeSettings: string;
}

/** The argv that runs one review, or undefined when the reviewer is the human (`shell`). */
export function buildReviewerArgv(agent: string, prompt: PromptRef, facts: ReviewerFacts): string[] | undefined {
  const [program, ...rest] = splitCommandLine(agent);
  const text = new TextEncoder().encode(prompt.text).length > MAX_ARG_BYTES ? getPromptPointer(prompt.file) : prompt.text;
  switch (program) {
    case 'shell':
      return undefined;
    case 'claude':
      return ['claude', '-p', '--settings', facts.claudeSettings, ...rest, text];
    case 'codex':
      return ['codex', 'exec', '--skip-git-repo-check', '--sandbox', 'danger-full-access', ...rest, text];
    case 'gemini':
      return ['gemini', '--approval-mode', 'yolo', ...rest, '--prompt', text];
    default:
      return buildAgentArgv(agent, prompt);
  }
}

/** Claude Code settings for a reviewer: it reads and runs commands (`parx review submit` among them), it never edits. */
export function getReviewerClaudeSettings(): object {
  return {
    permissions: {
      allow: ['Read', 'Grep', 'Glob', 'LS', 'Bash'],
      deny: ['Write', 'Edit', 'MultiEdit', 'NotebookEdit'],
    },
  };
}
