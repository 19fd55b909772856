#!/usr/bin/env bash
# `npm run bench`: install what is missing, build the release (with wasm-opt) and the benchmark's own pair of wasm
# builds (with the diagnostics the release leaves out: scripts/wasm-builds.json), print the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/build.mjs
node scripts/build.mjs --bench
node scripts/bench.mjs
