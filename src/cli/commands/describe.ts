import type { Violation } from '../../core/changes.js';
import { safe } from '../output.js';

/** "src/payments/a.ts (added; owned by payments)" — one violation in words. */
export function describeViolation(v: Pick<Violation, 'path' | 'kind' | 'owner' | 'change'>): string {
  const verb = v.change === 'add' ? 'added' : v.change === 'unlink' ? 'deleted' : 'changed';
  return `${safe(v.path)} (${verb}; ${v.kind === 'trespass' ? `owned by ${v.owner}` : 'owned by no session'})`;
}
