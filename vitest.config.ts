import { defineConfig } from 'vitest/config';

// Three projects, run one group after another (sequence.groupOrder) so that no two of them
// share the 2 cores at once, as when this was a single serial project:
//   unit  - everything under test/unit except the fuzz;
//   e2e   - each file starts a real OpenClaw;
//   fuzz  - the >= 100,000-delivery hook fuzz, alone (`npx vitest run --project fuzz`).
// `vitest run` (npm test) runs all three; `--project <name>` picks one.
const FUZZ = 'test/unit/hardening/fuzz.test.ts';

export default defineConfig({
  test: {
    // Every project: a per-file OpenClaw state dir, so default spool paths never reach ~/.openclaw.
    setupFiles: ['test/support/state-dir.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: [FUZZ],
          // Several unit tests time handlers and exports on the shared machine; side by side
          // they would measure each other.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 240_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // End-to-end files each start a real OpenClaw (20-30 s on 2 cores); running them
          // side by side only makes every one of them slower and flakier.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 420_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'fuzz',
          include: [FUZZ],
          // The big stream test sets its own 240 s; the others get what they had before.
          testTimeout: 60_000,
          hookTimeout: 240_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
