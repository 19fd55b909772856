#!/usr/bin/env bash
# `npm start`: install what is missing, build, and serve the playground on 127.0.0.1 (PORT, default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/build.mjs
exec node scripts/serve.mjs .
