import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SessionConfig } from '../../core/config-validate.js';
import { UsageError } from '../../core/errors.js';
import type { OwnershipGrant } from '../../core/ownership.js';
import { renderPrompt } from '../../core/prompt.js';
import { TEMPLATES_DIR } from '../../package-root.js';
import type { Project } from './project.js';

/**
 * A session's scoped task prompt, as `up` writes it and `grant` rewrites it: the ownership
 * lists include what `parx grant` has moved, so the prompt file stays the truth of the run.
 */
export function renderSessionPrompt(
  project: Project,
  template: string,
  session: SessionConfig,
  where: { branch: string; worktree: string; sandboxed: boolean },
  grants: readonly OwnershipGrant[] = [],
): string {
  return renderPrompt(template, {
    session: session.name,
    branch: where.branch,
    base: project.base,
    worktree: where.worktree,
    task: session.task,
    owns: withGrants(session, grants),
    shared: project.config.shared,
    others: project.config.sessions.filter((s) => s.name !== session.name).map((s) => ({ name: s.name, owns: withGrants(s, grants) })),
    sandboxed: where.sandboxed,
  });
}

/** A session's globs, then the paths granted to it and those granted away from it. */
function withGrants(session: SessionConfig, grants: readonly OwnershipGrant[]): string[] {
  const mine = grants.filter((g) => g.to === session.name).map((g) => `${g.path} (granted during this run)`);
  const away = grants.filter((g) => g.to !== session.name).map((g) => `not ${g.path} (granted to ${g.to})`);
  return [...session.owns, ...mine, ...away];
}

export async function readPromptTemplate(project: Project): Promise<string> {
  const custom = project.config.promptTemplate;
  const path = custom ? resolve(project.configFile, '..', custom) : join(TEMPLATES_DIR, 'prompt.md');
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the prompt template ${String(path)}: ${(error as Error).message}`);
  }
}
