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

# RTL tools from Debian: Verilator 5.006, Icarus Verilog 11, Yosys 0.23; Chromium for the report test.
need_apt=""
for tool in verilator:verilator iverilog:iverilog yosys:yosys chromium:chromium; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need_apt="$need_apt ${tool##*:}"
done
if [ -n "$need_apt" ]; then
  echo "[setup] apt-get install$need_apt"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need_apt g++ make >/dev/null
fi

# cocotb 1.8.1 (the last release line that supports Verilator 5.006) in a project virtualenv.
if [ ! -x .cache/venv/bin/cocotb-config ]; then
  echo "[setup] python venv with cocotb 1.8.1"
  python3 -m venv .cache/venv
  .cache/venv/bin/pip install -q --disable-pip-version-check cocotb==1.8.1
fi

# Compile TypeScript (incremental: a no-op when nothing changed).
echo "[setup] build"
npx --no-install tsc -p tsconfig.build.json
