#!/usr/bin/env bash
# The whole test suite (called by `npm test` after set-up, and by .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "[test] typecheck (sources, tests, benchmarks)"
npx --no-install tsc -p tsconfig.json --noEmit
echo "[test] vitest"
npx --no-install vitest run
