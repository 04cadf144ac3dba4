// Three suites: pure units, workflow logic on a local Temporal with fake activities, and the product on real parts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summaryReporter.ts'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000, sequence: { groupOrder: 0 } } },
      { test: { name: 'workflow', include: ['test/workflow/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000, sequence: { groupOrder: 1 } } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/globalSetup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // Files share one PostgreSQL, Temporal and SMTP server; two at a time suits a 2-core machine.
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
