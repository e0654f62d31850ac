import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests run the real go toolchain and emulators: allow them time.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Two cores: e2e files each fan out go builds of their own, so run two files at once at most.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
