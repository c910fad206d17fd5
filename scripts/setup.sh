#!/usr/bin/env bash
# Idempotent set-up: everything `npm run demo` and `npm test` need on a fresh machine that has
# Node (>= 20), npm, Python and apt. Safe to run repeatedly; skips work already done.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "bitnet-hw needs Node >= 20 (found $(node --version))" >&2
  exit 1
fi

# npm dependencies: reinstall only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Compile TypeScript (incremental: a no-op when nothing changed).
echo "[setup] build"
npx --no-install tsc -p tsconfig.build.json
