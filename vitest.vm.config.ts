import { defineConfig } from 'vitest/config';

// `npm run test:vm`: the lab-host suite against a Debian 12 VM with the distro's stock kernel (scripts/vm/).
// Slow by nature (QEMU TCG: BCC compiles for a minute per tool), so its own config and timeouts; the
// assertions are about what is visible, never about speed.
export default defineConfig({
  test: {
    include: ['test/vm/**/*.test.ts'],
    globalSetup: ['test/vm/global-setup.ts'],
    testTimeout: 1_200_000,
    hookTimeout: 1_800_000,
    // the cloud-init seat VM (its own, one vCPU) boots, reboots and waits for its expiry timer while the lab
    // host suite waits for BCC to compile: side by side they fit the CI budget, one after the other they do not
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
