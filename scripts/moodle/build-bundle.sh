#!/usr/bin/env bash
# Builds the real-Moodle site bundle for the `moodle` profile from the user's
# Moodle 4.5 release (a tree or a zip; Moodle is never in this repository):
#   target/moodle/moodle-bundle.zip
# = the pruned web root (unpacked by the worker into /www/moodle) with the
#   project's SQLite driver and the build-time edits of edits.mjs,
#   + .playground/seed/persist/moodledata/… (the install snapshot: DB + data
#     directory with warm caches and the compiled theme CSS),
#   + .playground/seed/playground/moodle/install-check.php,
#     .playground/seed/internal/shared/preload/moodle-playground-web-server.php,
#     .playground/seed/root/install/ssl/openssl.cnf (the project's own files),
#   + the ICU data for intl as .playground/icudt74l.dat.
# config.php is not in the bundle: the worker writes it at every boot from
# src/profile/moodle45-config.php, the template the install here uses too.
#
#   MOODLE_SOURCE=/path/to/moodle scripts/moodle/build-bundle.sh [--force]
#   scripts/moodle/build-bundle.sh /path/to/moodle-4.5.x.zip [--force]
#
# Idempotent: each stage is skipped when its output is newer than its inputs.
# Every stage prints how long it took. The install (≈ 2.5 min of CPU) runs under
# `flock /tmp/heavy.lock` (2 cores shared with the browser suites).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/moodle
out=target/moodle
tools=$out/tools
webroot=$out/webroot
raw=$out/install-raw
extra=$out/extra
bundle=$out/moodle-bundle.zip

force=0
source_arg=${MOODLE_SOURCE:-}
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) source_arg=$arg ;;
  esac
done

log_prefix=moodle-bundle
. scripts/lib/bundle-steps.sh
newest_in() { find "$@" -type f -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2-; }

if [ -z "$source_arg" ]; then
  log "no Moodle source: set MOODLE_SOURCE=/path/to/moodle (a Moodle 4.5 release tree or zip from moodle.org) or pass it as an argument"
  exit 2
fi
if [ ! -e "$source_arg" ]; then log "MOODLE_SOURCE $source_arg does not exist"; exit 2; fi
total_start=$(now_ms)
mkdir -p "$out"

# 1. The source: a tree is used in place; a zip is unpacked once into target/moodle/source.
source=$source_arg
if [ -f "$source_arg" ]; then
  if fresh "$out/.source.stamp" "$source_arg"; then
    log "source: up to date ($out/source from $source_arg)"
  else
    begin "source: unzip $source_arg into $out/source"
    rm -rf "$out/source"; mkdir -p "$out/source"
    unzip -q "$source_arg" -d "$out/source"
    touch "$out/.source.stamp"
    done_step
  fi
  source=$out/source
fi
source=$(cd "$source" && pwd)
version_file=$source/version.php
[ -f "$version_file" ] || version_file=$source/moodle/version.php

# 2. The web root: checked (a Moodle 4.5 release with its vendor/ folders), pruned,
#    the project's files added, the edits applied.
project_files=$(newest_in "$here/php/webroot")
if [ -f "$version_file" ] && fresh "$out/.webroot.stamp" "$version_file" "$here/assemble-webroot.mjs" "$here/edits.mjs" "$project_files" \
   && [ "$(cat "$out/.webroot.source" 2>/dev/null)" = "$source" ]; then
  log "webroot: up to date ($webroot, Moodle $(cat "$out/moodle-release.txt"))"
else
  begin "webroot: check, prune and assemble $source into $webroot"
  # A tree that is not a Moodle 4.5 release is refused before the last good build is dropped.
  node "$here/assemble-webroot.mjs" "$source" "$webroot" --project "$here/php/webroot" --check-only
  rm -f "$out/.webroot.stamp" "$out/.install.stamp"
  node "$here/assemble-webroot.mjs" "$source" "$webroot" --project "$here/php/webroot"
  echo "$source" > "$out/.webroot.source"
  touch "$out/.webroot.stamp"
  done_step "$(find "$webroot" -type f | wc -l) files, $(du -sh "$webroot" | cut -f1)"
fi

# 3. The node side: @php-wasm/node + universal, pinned, in target/ only.
install_php_wasm_tools "$tools"

# 4. Install once, warm the caches, keep the snapshot.
seed_inputs=$(newest_in "$here/php/seed")
if fresh "$out/.install.stamp" "$out/.webroot.stamp" "$here/install.mjs" "$here/harness.mjs" "$seed_inputs" src/profile/moodle45-config.php; then
  log "install: up to date ($extra/.playground/seed$( [ -d "$extra/.playground/seed/persist" ] && echo /persist/moodledata))"
else
  # The raw install (4 min) is kept when only the warm-up changed: it depends on
  # the web root, config.php's template and the seed files, not on the warm-up.
  reuse=()
  if fresh "$raw/done" "$out/.webroot.stamp" src/profile/moodle45-config.php "$seed_inputs"; then
    reuse=(--reuse-raw)
    begin "install: reusing the raw install in $raw; warm-up on a fresh instance (waits for /tmp/heavy.lock)"
  else
    begin "install: admin/cli/install_database.php on PHP 8.3 wasm, then warm-up on a fresh instance (waits for /tmp/heavy.lock)"
    rm -rf "$raw"
  fi
  rm -rf "$extra/.playground/seed/persist"
  flock /tmp/heavy.lock node "$here/install.mjs" --webroot "$webroot" --seed-files "$here/php/seed" --tools "$tools" \
    --raw-out "$raw" --seed-out "$extra/.playground/seed" "${reuse[@]}"
  touch "$out/.install.stamp"
  done_step
fi

# 5. The project's seed files (a changed script costs a re-zip, not a re-install)
#    and the ICU data (Moodle 4.5 requires intl).
copy_changed_files "$here/php/seed" "$extra/.playground/seed"
add_icu_data "$extra/.playground/icudt74l.dat"

# 6. The zip: the web root (re-zipped after a new install, which every new
#    assembly forces) + .playground/.
zip_bundle "$webroot" "$extra" "$bundle" "$out/.install.stamp"
log "total: $(( $(now_ms) - total_start )) ms"
