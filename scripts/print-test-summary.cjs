'use strict';
/**
 * Prints the plain closing line of the test command, `N passed, N failed`, from the JSON
 * file jest wrote with --json --outputFile. Run after jest exits, so nothing jest prints
 * (its own summary comes from a reporter that always runs last) can follow it.
 * Suites that failed to load count as failed tests: a broken file must not look green.
 * A missing or unreadable file means jest itself crashed, which counts as one failure.
 */
const { readFileSync } = require('node:fs');

function summarize(path) {
  try {
    const results = JSON.parse(readFileSync(path, 'utf8'));
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    return `${results.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
  } catch {
    return '0 passed, 1 failed';
  }
}

process.stdout.write(`\n${summarize(process.argv[2])}\n`);
