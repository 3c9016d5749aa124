// Ends the run with one plain line, "tests: N passed, N failed, N skipped", that any CI can read.
// Jest's own reporters flush their output late, so the line is written as the process exits.
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numRuntimeErrorTestSuites } = results;
    const line = `tests: ${numPassedTests} passed, ${numFailedTests + numRuntimeErrorTestSuites} failed, ${numPendingTests} skipped\n`;
    process.once('exit', () => process.stderr.write(line));
  }
}

module.exports = PlainSummaryReporter;
