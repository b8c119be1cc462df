#!/usr/bin/env bash
# One command on a fresh machine: install what is needed, build, serve the playground.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
scripts/mediawiki/build-bundle.sh
# Real Moodle (the Site menu's "Moodle 4.5") only from the user's own release.
if [ -n "${MOODLE_SOURCE:-}" ]; then
  scripts/moodle/build-bundle.sh
else
  echo "[demo] no MOODLE_SOURCE: the Site menu's real Moodle 4.5 needs its bundle (MOODLE_SOURCE=/path/to/moodle scripts/moodle/build-bundle.sh)"
fi
exec node scripts/serve.js --port "${PORT:-8080}"
