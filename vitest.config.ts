import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: on the 2-core CI machine that ran the
    // suite serially, although most test time is spent in child processes (simulators, Yosys,
    // nextpnr) that a second worker overlaps.
    maxWorkers: 2,
  },
});
