// Ends every run with a plain "Tests: N passed, N failed, N skipped" line, and fails a run that ran nothing
// or hit errors outside tests (vitest can otherwise exit 0 on a configuration error).
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
    }
    console.log(`\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    if (unhandledErrors.length > 0 || counts.passed + counts.failed === 0) {
      console.log(unhandledErrors.length > 0 ? `${unhandledErrors.length} error(s) outside tests: failing the run` : 'No test ran: failing the run');
      process.exitCode = 1;
    }
  }
}
