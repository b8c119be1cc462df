#!/usr/bin/env bash
# Assembles the installable package into target/package/: the wasm-pack output
# (pkg/), the worker, the client and the host JS, the typed API and the demo
# site bundle. Another frontend installs it by path:
#   npm install /path/to/resilient-php-worker/target/package
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/package
rm -rf "$out"
mkdir -p "$out/pkg"
cp package/package.json package/index.js package/index.d.ts "$out/"
for file in client.js protocol.js worker.js php-host.js zip.js sw.js sw-bridge.js; do
  cp "www/$file" "$out/"
done
cp -r www/host "$out/host"
cp -r www/store "$out/store"
cp -r www/watchdog "$out/watchdog"
sed -i "s|\.\./pkg/|./pkg/|" "$out/worker.js"
cp pkg/resilient_php_worker.js pkg/resilient_php_worker_bg.wasm pkg/resilient_php_worker.d.ts "$out/pkg/"
# The JS the Rust code brings with it (#[wasm_bindgen(inline_js)], src/wire.rs).
cp -r pkg/snippets "$out/pkg/snippets"
cp dist/demo-site.zip "$out/"
echo "[package] $out ($(du -sh "$out" | cut -f1))"
