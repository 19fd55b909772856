#!/usr/bin/env bash
# Installs whatever this machine lacks to build and test vae-playground; quick and silent when all is there.
# Debian (apt) + rustup + node/npm are assumed; everything else comes from the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m▸ %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  say "apt: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's CLI must match the wasm-bindgen crate in Cargo.lock exactly.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
pids=()
if ! command -v wasm-pack >/dev/null; then
  say "cargo: installing wasm-pack (about 2 minutes)"
  cargo install --quiet wasm-pack --version "^0.15" & pids+=($!)
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  say "cargo: installing wasm-bindgen-cli $bindgen_version (about 2 minutes)"
  cargo install --quiet --force wasm-bindgen-cli --version "$bindgen_version" & pids+=($!)
fi
for pid in "${pids[@]}"; do wait "$pid"; done

if [ ! -x node_modules/.bin/esbuild ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm: installing the dev dependencies (esbuild, typescript, playwright-core, binaryen)"
  npm ci --no-audit --no-fund --loglevel=error
fi
