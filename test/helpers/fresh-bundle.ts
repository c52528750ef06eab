import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Vitest's global setup: the end-to-end tests run the built bundle (bin/parx.js → dist/), so a
 * `dist/` older than `src/` would test yesterday's parx and pass. Refuse to start instead
 * (`npm test` builds first; `npm run build` after an edit when running vitest by hand).
 */
export default function checkBundleIsFresh(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  let built: number;
  try {
    built = statSync(join(root, 'dist', 'main.js')).mtimeMs;
  } catch {
    throw new Error('dist/ is missing: run `npm run build` (or `npm test`, which builds first)');
  }
  const edited = Math.max(newest(join(root, 'src')), statSync(join(root, 'templates')).mtimeMs);
  if (edited > built) throw new Error('dist/ is older than src/: run `npm run build` (or `npm test`, which builds first) so the tests run this code');
}
