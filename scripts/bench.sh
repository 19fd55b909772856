#!/usr/bin/env bash
# `npm run bench`: install what is missing, build the release (with wasm-opt), print the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/build.mjs
node scripts/bench.mjs
