import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunFiles } from '../../adapters/run-files.js';

/**
 * Follows the messages kept for the human to pass on to agents without hooks
 * (ops/common/messages.ts), so the guard pane shows each as it comes: parx has no other way to
 * reach such an agent, and the human should not have to run `parx status` to learn of one.
 */
export class NoteFollower {
  private readonly seen = new Map<string, number>();
  private watcher: FSWatcher | undefined;

  constructor(
    private readonly files: RunFiles,
    private readonly sessions: readonly string[],
    private readonly onNote: (session: string, text: string) => void,
  ) {}

  /** Notes kept before the guard started are not announced again: `parx status` lists them. */
  async start(): Promise<void> {
    for (const session of this.sessions) this.seen.set(session, (await this.files.readNotes(session)).length);
    const dir = dirname(this.files.notesPath(this.sessions[0] ?? 'x'));
    await mkdir(dir, { recursive: true }).catch(() => undefined);
    try {
      this.watcher = watch(dir, (_, name) => {
        const session = name?.toString().replace(/\.jsonl$/, '');
        if (session && this.seen.has(session)) void this.read(session);
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // The run folder is gone: nothing to follow.
    }
  }

  close(): void {
    this.watcher?.close();
  }

  private async read(session: string): Promise<void> {
    const notes = await this.files.readNotes(session);
    const from = this.seen.get(session) ?? 0;
    this.seen.set(session, notes.length);
    for (const note of notes.slice(from)) this.onNote(session, note.text);
  }
}
