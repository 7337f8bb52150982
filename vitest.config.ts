import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['properties/**/*.test.ts', 'src/**/*.test.ts', 'fuzz/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
