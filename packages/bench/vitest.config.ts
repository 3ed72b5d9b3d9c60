import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The smoke run starts two daemons, HAProxy, sslh and a load generator per measurement.
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
