import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-agent suite has its own script and config (npm run test:real).
    exclude: [...configDefaults.exclude, 'test/real/**'],
    setupFiles: ['test/helpers/setup.ts'],
    // The e2e tests run the bundle: never a stale one (test/helpers/fresh-bundle.ts).
    globalSetup: ['test/helpers/fresh-bundle.ts'],
    // Real git and tmux: processes, not threads, and room for slow disks.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
