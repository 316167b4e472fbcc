import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Browser component tests run in real Chromium through @web/test-runner, not here.
    exclude: ['tests/browser/**', 'node_modules/**'],
    // Integration tests start real servers (nats-server, pcscd) in each file: keep files apart
    // and give them time to start, but never put a time limit on what a test measures.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
