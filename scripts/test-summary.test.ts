import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * The closing line CI reads, from reports shaped as vitest's JSON reporter writes them (the fields below are the ones
 * a real run wrote: a file whose afterAll failed is `failed` while each of its tests `passed`).
 */
const dir = mkdtempSync(join(tmpdir(), 'qnet-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function summary(report: object): { line: string; code: number | null } {
  const file = join(dir, `r${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(report));
  const r = spawnSync(process.execPath, ['scripts/test-summary.mjs', file], { encoding: 'utf8' });
  return { line: r.stdout.trim(), code: r.status };
}

const file = (status: string, tests: string[], message = '') => ({
  name: '/x.test.ts',
  status,
  message,
  assertionResults: tests.map((s) => ({ status: s })),
});

describe('test-summary', () => {
  it('counts passes and failures of the tests', () => {
    const r = summary({
      numPassedTests: 2,
      numFailedTests: 1,
      numPendingTests: 0,
      numTodoTests: 0,
      testResults: [file('failed', ['passed', 'passed', 'failed'])],
    });
    expect(r).toEqual({ line: 'tests: 2 passed, 1 failed', code: 1 });
  });

  it('a file whose hook failed after all its tests passed is a failure, not "0 failed"', () => {
    const r = summary({
      numPassedTests: 3,
      numFailedTests: 0,
      numPendingTests: 0,
      numTodoTests: 0,
      success: false,
      testResults: [file('failed', ['passed', 'passed', 'passed'], 'expected { …(3) } to deeply equal { procs: [] }')],
    });
    expect(r).toEqual({ line: 'tests: 3 passed, 1 failed', code: 1 });
  });

  it('a file that failed before any test ran is a failure', () => {
    const r = summary({ numPassedTests: 1, numFailedTests: 0, testResults: [file('failed', [])] });
    expect(r).toEqual({ line: 'tests: 1 passed, 1 failed', code: 1 });
  });
});
