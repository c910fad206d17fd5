#!/usr/bin/env bash
# `npm run train -- [args]`: python/bitnet_train.train with the shipped models folder as output;
# after `--study` (every run of the model card) the model card is rewritten from its results.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${BITNET_HW_TORCH_VENV:-$HOME/.cache/bitnet-hw/venv-torch}/bin/python"
(cd python && "$PY" -m bitnet_train.train --out ../models "$@")
for a in "$@"; do
  if [ "$a" = "--study" ]; then node dist/scripts/model-card.js; fi
done
