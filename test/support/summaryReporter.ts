// Ends every run with a plain "Tests: N passed, N failed, N skipped" line, and fails a run that ran nothing
// or hit errors outside tests (vitest can otherwise exit 0 on a configuration error).
import type { Reporter, TestModule } from 'vitest/node';

/** Enough lines to name every failure of a bad run, few enough to stay in the part of a CI log that is shown. */
const MAX_FAILURE_LINES = 40;

function firstLine(error: { message?: string } | undefined): string {
  return (error?.message ?? 'no message').split('\n')[0]!.slice(0, 200);
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    // The default reporter prints each failure in full, far above the end of a long log: one line each, last.
    const failures: string[] = [];
    for (const module of testModules) {
      // A file whose beforeAll or import failed: its tests are skipped, and only the file carries the error.
      for (const error of module.errors()) failures.push(`${module.relativeModuleId}: ${firstLine(error)}`);
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') counts.passed++;
        else if (result.state === 'failed') {
          counts.failed++;
          failures.push(`${module.relativeModuleId} > ${test.fullName}: ${firstLine(result.errors?.[0])}`);
        } else counts.skipped++;
      }
    }
    if (failures.length > 0) {
      console.log(`\nFailed (${failures.length}):`);
      for (const line of failures.slice(0, MAX_FAILURE_LINES)) console.log(`  ${line}`);
      if (failures.length > MAX_FAILURE_LINES) console.log(`  … and ${failures.length - MAX_FAILURE_LINES} more`);
    }
    console.log(`\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    if (unhandledErrors.length > 0 || counts.passed + counts.failed === 0) {
      console.log(unhandledErrors.length > 0 ? `${unhandledErrors.length} error(s) outside tests: failing the run` : 'No test ran: failing the run');
      process.exitCode = 1;
    }
  }
}
