/**
 * The files an agent's tool call is about to write, read from the JSON its hook receives on
 * stdin. Pure. Shapes, as each agent documents them:
 *   Claude Code  PreToolUse  Write | Edit | MultiEdit  → tool_input.file_path
 *                            NotebookEdit              → tool_input.notebook_path
 *   Codex        PreToolUse  apply_patch               → tool_input.command, a patch envelope
 *   Gemini CLI   BeforeTool  write_file | replace      → tool_input.file_path
 *   Claude Code  PreToolUse  Bash                      → tool_input.command, a shell command line
 *   Codex        PreToolUse  Bash (its exec_command)   → the same
 *   Gemini CLI   BeforeTool  run_shell_command         → the same
 *                            (a command line's obvious targets are read by core/shell-targets.ts,
 *                            loaded only then)
 */

export interface WriteTargets {
  tool: string;
  /** As the tool gave them: absolute, or relative to `cwd`. */
  paths: string[];
  /** The agent's working directory, when the payload says. */
  cwd: string | undefined;
  /** A shell command line whose targets are still to be read (a shell tool). */
  shell?: string;
}

const FILE_PATH_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'write_file', 'replace']);
const SHELL_TOOLS = new Set(['Bash', 'run_shell_command']);

/**
 * Tools that move an agent out of the worktree parx gave it (Claude Code's `EnterWorktree` makes
 * a worktree of its own and works there; its hooks would go on judging the old folder): denied.
 */
export const LEAVING_TOOLS = new Set(['EnterWorktree']);

/** The tool a payload is about, if it names one. */
export function getToolName(payload: unknown): string | undefined {
  return isRecord(payload) && typeof payload.tool_name === 'string' ? payload.tool_name : undefined;
}

/** The paths a tool call writes, or undefined when it is not a file-writing tool parx judges. */
export function getWriteTargets(payload: unknown): WriteTargets | undefined {
  if (!isRecord(payload)) return undefined;
  const tool = typeof payload.tool_name === 'string' ? payload.tool_name : undefined;
  const input = isRecord(payload.tool_input) ? payload.tool_input : {};
  const cwd = typeof payload.cwd === 'string' ? payload.cwd : undefined;
  if (!tool) return undefined;
  let paths: string[];
  if (FILE_PATH_TOOLS.has(tool)) paths = strings(input.file_path);
  else if (tool === 'NotebookEdit') paths = strings(input.notebook_path ?? input.file_path);
  else if (tool === 'apply_patch') paths = parsePatchTargets(patchText(input));
  else if (SHELL_TOOLS.has(tool)) return typeof input.command === 'string' ? { tool, paths: [], cwd, shell: input.command } : undefined;
  else return undefined;
  return { tool, paths, cwd };
}

/**
 * Target paths of a Codex `apply_patch` envelope: every `*** Add File:`, `*** Update File:`,
 * `*** Delete File:` and `*** Move to:` line (a move writes both its source and destination).
 * Codex trims each header line before it reads it (leading spaces and tabs are accepted), so
 * this does too; a trimmed line that only looks like a header (a context line) counts as well,
 * which can only deny more, never allow more.
 */
export function parsePatchTargets(patch: string): string[] {
  const targets: string[] = [];
  for (const line of patch.split(/\r?\n/)) {
    const match = /^\*\*\* (?:Add File|Update File|Delete File|Move to): (.+)$/.exec(line.trim());
    if (match && !targets.includes(match[1]!.trim())) targets.push(match[1]!.trim());
  }
  return targets;
}

/** Codex has carried the envelope as `command` (a string, or argv ending in it), `patch` or `input`. */
function patchText(input: Record<string, unknown>): string {
  for (const value of [input.command, input.patch, input.input]) {
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string').join('\n');
  }
  return '';
}

function strings(value: unknown): string[] {
  return typeof value === 'string' && value !== '' ? [value] : [];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
