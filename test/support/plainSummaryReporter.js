'use strict';
// Ends the run with one plain line, "tests: N passed, N failed, N skipped", that any CI can read;
// on stderr, where jest writes its own summary, so it comes last.
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numRuntimeErrorTestSuites } = results;
    const failed = numFailedTests + numRuntimeErrorTestSuites;
    process.stderr.write(`tests: ${numPassedTests} passed, ${failed} failed, ${numPendingTests} skipped\n`);
  }
}

module.exports = PlainSummaryReporter;
