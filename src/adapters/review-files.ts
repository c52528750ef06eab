import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Verdict } from '../core/review.js';
import { appendWithoutFollowing, parseJsonLines, readUntrustedJson, writeFileAtomically } from './untrusted-files.js';

/**
 * What the review stage keeps under `<git-common-dir>/parx/reviews/` (docs/guide.md, "Files parx keeps"):
 *
 *   <session>.jsonl       every verdict on the session, oldest first (parx writes them; no
 *                         sandbox can: the whole git common dir is read-only to sessions and reviewers)
 *   <session>.shown       the tip `parx review show` last showed, which `approve` holds the human to
 *   running/<session>     the lock of the review under way (RunFiles.acquireReviewLock)
 *   rooms/<id>/checkout   a reviewer's detached checkout of the tip (read-only to it)
 *   rooms/<id>/answer/    the one folder a reviewer may write: `parx review submit` leaves its answer there
 *
 * The answer is the only file here a reviewer writes; it is read without following links or
 * waiting on a FIFO, size-bounded, and checked before parx records anything from it.
 */

export interface ReviewRoom {
  dir: string;
  checkout: string;
  answerDir: string;
  answerFile: string;
}

export class ReviewFiles {
  readonly dir: string;

  constructor(runDir: string) {
    this.dir = join(runDir, 'reviews');
  }

  private verdictsPath(session: string): string {
    return join(this.dir, `${session}.jsonl`);
  }

  async readVerdicts(session: string): Promise<Verdict[]> {
    const text = await readFile(this.verdictsPath(session), 'utf8').catch(() => '');
    return parseJsonLines<Verdict>(text);
  }

  async appendVerdict(verdict: Verdict): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await appendWithoutFollowing(this.verdictsPath(verdict.session), `${JSON.stringify(verdict)}\n`, { repairLine: true });
  }

  async writeShownTip(session: string, tip: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomically(join(this.dir, `${session}.shown`), tip);
  }

  async readShownTip(session: string): Promise<string | undefined> {
    const text = await readFile(join(this.dir, `${session}.shown`), 'utf8').catch(() => undefined);
    return text?.trim() || undefined;
  }

  /** Forgets a session's reviews (its branch is gone: landed or abandoned). */
  async forget(session: string): Promise<void> {
    await Promise.all([rm(this.verdictsPath(session), { force: true }), rm(join(this.dir, `${session}.shown`), { force: true })]);
  }

  /** A new room for one review: its own folder, named so that two reviews never share one. */
  async makeRoom(session: string, round: number): Promise<ReviewRoom> {
    const dir = join(this.dir, 'rooms', `${session}-${round}-${randomBytes(4).toString('hex')}`);
    const answerDir = join(dir, 'answer');
    await mkdir(answerDir, { recursive: true });
    return { dir, checkout: join(dir, 'checkout'), answerDir, answerFile: join(answerDir, 'answer.json') };
  }

  /** The reviewer's answer: a plain file's JSON, or undefined (none, a link, a FIFO, too big, not JSON). */
  async readAnswer(room: ReviewRoom): Promise<unknown> {
    return readUntrustedJson<unknown>(room.answerFile, 256 * 1024);
  }

  get roomsDir(): string {
    return join(this.dir, 'rooms');
  }

  /** Claude Code's settings for every reviewer (core/reviewer-command.ts), written where no sandbox can change them. */
  async writeClaudeSettings(settings: object): Promise<string> {
    const path = join(this.dir, 'reviewer.claude.json');
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomically(path, `${JSON.stringify(settings, null, 2)}\n`);
    return path;
  }

  /**
   * A folder holding a `parx` that runs this very parx, put first on the reviewer's PATH so that
   * `parx review submit` works whatever the user's PATH holds. Its script is constant but for
   * parx's own paths, each one shell-quoted.
   */
  async writeParxShim(argv: readonly string[], quote: (word: string) => string): Promise<string> {
    const dir = join(this.dir, 'bin');
    await mkdir(dir, { recursive: true });
    await writeFileAtomically(join(dir, 'parx'), `#!/bin/sh\nexec ${argv.map(quote).join(' ')} "$@"\n`, 0o755);
    return dir;
  }
}
