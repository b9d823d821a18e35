#!/usr/bin/env bash
# `npm test`: every suite. Installs missing system packages first (scripts/system-deps.sh) and fetches QEMU 10.0
# beside the system's (`qnet qemu fetch 10.0`), then typechecks, lints, checks formatting (prettier --check;
# `npm run format` writes it), and runs the unit and real-QEMU suites, then the browser tests (Playwright + Debian's
# Chromium against a real `qnet serve`; skipped when arguments select vitest tests); ends with one "N passed,
# N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
node scripts/build-cli.mjs
# The second QEMU the real-QEMU suites also run on (Debian 12's backports, unpacked into the user's cache).
node bin/qnet.js qemu fetch 10.0 >/dev/null
npx vite build --logLevel error
npx tsc -p tsconfig.shared.json
npx tsc -p tsconfig.json --noEmit
npx eslint --max-warnings 0 .
npx prettier --check . --log-level warn

mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=$?
reports=(test-results/vitest.json)
if [ "$#" -eq 0 ]; then
  rm -f test-results/playwright.json
  npx playwright test || status=$?
  reports+=(test-results/playwright.json)
fi
node scripts/test-summary.mjs "${reports[@]}" || status=1
exit "$status"
