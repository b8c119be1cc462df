#!/usr/bin/env bash
# One command on a fresh machine: install what is needed, build, serve the playground.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
scripts/mediawiki/build-bundle.sh
exec node scripts/serve.js --port "${PORT:-8080}"
