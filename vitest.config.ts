import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['properties/**/*.test.ts', 'src/**/*.test.ts', 'fuzz/**/*.test.ts', 'bench/**/*.test.ts', 'native-probe/**/*.test.ts'],
    globalSetup: ['properties/__helpers__/globalSetup.ts'],
    // Kernel cases share the global fuse.enable_uring parameter: one file at a time.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './properties/__helpers__/targetSummary.ts'],
  },
});
