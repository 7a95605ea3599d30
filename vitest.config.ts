import { defineConfig } from 'vitest/config';

// One runner for every suite: unit (shared/), integration (services against the real local
// relay on 127.0.0.1), keychain (real Secret Service, see test/run.sh) and end-to-end
// (the built renderer in Debian's Chromium driven by playwright-core).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only fight each other and the Chromium under test.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
