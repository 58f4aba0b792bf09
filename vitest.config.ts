import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Live tests inject real faults and trace them with real eBPF tools: two at once would
    // see each other's processes, so test files run one after another.
    fileParallelism: false,
    reporters: ['default'],
  },
});
