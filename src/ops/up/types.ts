import type { CommandOutcome } from '../../adapters/shell-command.js';

/** What `parx up` reports as it goes (the CLI prints it); shared by up.ts and its steps. */
export type UpProgress =
  | { type: 'worktree'; session: string; action: 'created' | 'reused' | 'failed'; path: string }
  | { type: 'copy-missing'; session: string; path: string }
  | { type: 'setup'; session: string; status: 'started' }
  | { type: 'setup'; session: string; status: 'ok' | 'failed'; outcome: CommandOutcome }
  | { type: 'sandbox'; session: string; enabled: boolean; notes: string[] }
  | { type: 'hooks'; session: string; notes: string[] }
  | { type: 'budget'; session: string; note: string }
  | { type: 'enforcement'; session: string; note: string }
  | { type: 'pane'; session: string; action: 'started' | 'kept' | 'respawned' | 'dead'; paneId: string };
