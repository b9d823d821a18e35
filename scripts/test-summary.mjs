// Prints the plain closing line CI reads: "tests: N passed, N failed[, N skipped]", summed over the reports given:
// vitest's JSON reporter and Playwright's (recognized by its `stats`).
import { readFileSync } from 'node:fs';

/** Counts of one vitest JSON report. */
function vitestCounts(report) {
  const passed = report.numPassedTests ?? 0;
  const failed = report.numFailedTests ?? 0;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that failed with none of its tests failing (an import error, a failing beforeAll or afterAll) counts as
  // one failure.
  const brokenFiles = (report.testResults ?? []).filter(
    (r) => r.status === 'failed' && !(r.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  return { passed, failed: failed + brokenFiles, skipped };
}

/** Counts of one Playwright JSON report: flaky tests passed on retry; errors outside tests count as failures. */
function playwrightCounts(report) {
  const s = report.stats ?? {};
  return {
    passed: (s.expected ?? 0) + (s.flaky ?? 0),
    failed: (s.unexpected ?? 0) + (report.errors ?? []).length,
    skipped: s.skipped ?? 0,
  };
}

const total = { passed: 0, failed: 0, skipped: 0 };
for (const file of process.argv.slice(2)) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    console.error(`test-summary: no test report at ${file}`);
    total.failed += 1;
    continue;
  }
  const c = report.stats && !('numPassedTests' in report) ? playwrightCounts(report) : vitestCounts(report);
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}
console.log(
  `tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`,
);
process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
