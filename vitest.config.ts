import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the VM lab-host suite has its own config and setup (npm run test:vm, vitest.vm.config.ts)
    exclude: [...configDefaults.exclude, 'test/vm/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Live tests inject real faults and trace them with real eBPF tools: two at once would
    // see each other's processes, so test files run one after another.
    fileParallelism: false,
    reporters: ['default'],
  },
});
