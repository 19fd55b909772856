#!/usr/bin/env bash
# `npm test`: every test, in three layers, after installing what is missing; first the quick checks that fail fast
# (cargo fmt --check, cargo clippy for both targets with warnings as errors).
#   1. cargo test — the Rust core, natively (with seeded property tests)
#   2. wasm-pack test --headless --chrome — the core as wasm32 in real Chrome, built twice: simd128 and relaxed SIMD
#   3. node --test — the page's modules and the dev server in node (tests/unit), then the built page and the packed
#      npm widget in headless Chromium (Playwright, tests/e2e)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The relaxed build's flags and target directory, and the benchmark's features, from the one list of builds.
relaxed() { node -p "require('./scripts/wasm-builds.json').builds.find((b) => b.dir === 'pkg-relaxed').$1"; }
bench_features=$(node -p "require('./scripts/wasm-builds.json').benchFeatures")
# The wasm tests are the files tests/wasm*.rs; the others are native only, and linking each of them as an empty wasm
# binary per build only cost time and disk.
wasm_tests=()
for file in tests/wasm*.rs; do wasm_tests+=(--test "$(basename "$file" .rs)"); done
# One build per run: incremental state would only take disk.
export CARGO_INCREMENTAL=0

printf '\n\033[1m▸ cargo fmt --check, cargo clippy (native, and wasm32 with and without the benchmark diagnostics)\033[0m\n'
cargo fmt --check
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --lib --tests --features "$bench_features" -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --lib -- -D warnings

printf '\n\033[1m▸ 1/3 cargo test\033[0m\n'
cargo test --quiet

# With the benchmark's features: the tests of the kernel's allocations use its counting allocator. The runner gives
# the whole suite 20 s unless told otherwise: it takes about 35 s in a debug build on a busy 2-core machine.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
printf '\n\033[1m▸ 2/3 wasm-pack test --headless --chrome, for each of the two builds (simd128, relaxed SIMD)\033[0m\n'
wasm-pack test --headless --chrome . --features "$bench_features" "${wasm_tests[@]}"
RUSTFLAGS="$(relaxed rustflags)" CARGO_TARGET_DIR="$(relaxed targetDir)" \
  wasm-pack test --headless --chrome . --features "$bench_features" "${wasm_tests[@]}"

printf '\n\033[1m▸ 3/3 build, then unit tests in node and end-to-end tests in headless Chromium\033[0m\n'
node scripts/build.mjs
node --test tests/unit/
node --test --test-concurrency=1 tests/e2e/
