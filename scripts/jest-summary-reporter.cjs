'use strict';
/**
 * Prints one plain closing line, `N passed, N failed`, after jest's own summary,
 * so CI and people read the same figure whatever else the run printed.
 * Suites that fail to load count as failed tests: a broken file must not look green.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed${tail}\n`);
  }
}
module.exports = SummaryReporter;
