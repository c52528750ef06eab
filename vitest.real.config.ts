import { defineConfig } from 'vitest/config';

/** The real-agent suite (`npm run test:real`): pinned real CLIs, driven offline; see test/real/. */
export default defineConfig({
  test: {
    include: ['test/real/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    // The e2e tests run the bundle: never a stale one (test/helpers/fresh-bundle.ts).
    globalSetup: ['test/helpers/fresh-bundle.ts'],
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
