#!/usr/bin/env bash
# Builds the Rust worker (pkg/), the playground page (dist/) and the PHP host
# module the browser tests import (target/test-host/).
set -euo pipefail
cd "$(dirname "$0")/.."
wasm-pack build --target web --release --no-pack --out-dir pkg
npx webpack --mode production
npx webpack --mode production --env testHost
echo "[build] dist/ is $(du -sh dist | cut -f1) ($(du -sb dist | cut -f1) bytes)"
scripts/package.sh
