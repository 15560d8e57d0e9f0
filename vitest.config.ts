import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/state-dir.ts'],
    // End-to-end files each start a real OpenClaw (20-30 s on 2 cores); running them
    // side by side only makes every one of them slower and flakier.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});
