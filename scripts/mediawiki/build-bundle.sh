#!/usr/bin/env bash
# Builds the MediaWiki 1.39 site bundle for the `mediawiki` profile:
#   target/mediawiki/mediawiki-bundle.zip
# = the web root (unpacked by the worker into /www/mediawiki), LocalSettings.php
#   included, + the install snapshot as .playground/seed/persist/data/<file>,
#   + the profile's scripts as .playground/seed/playground/mediawiki/
#   {install-check,run-updater,blueprint-step}.php, + the ICU data for intl as
#   .playground/icudt74l.dat.
#
# Idempotent: a step is skipped when its output exists and is newer than its
# inputs (this script's helpers included). Every step prints what it did and
# how long it took. Nothing is installed system-wide: the Debian packages are
# downloaded and unpacked with `dpkg -x`; the node tools (@php-wasm/node, which
# pulls every PHP version) go to target/mediawiki/tools, not package.json.
#
#   scripts/mediawiki/build-bundle.sh [--force]   (--force: redo every step)
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/mediawiki
out=target/mediawiki
debs=$out/debs
root=$out/root
tools=$out/tools
webroot=$out/webroot
extra=$out/extra              # holds .playground/seed/… (zipped next to the web root)
bundle=$out/mediawiki-bundle.zip
# Extensions that spawn processes (no processes in a browser): left out of the tree.
excluded_extensions=(SyntaxHighlight_GeSHi Scribunto PdfHandler)

force=0
[ "${1:-}" = "--force" ] && force=1

log_prefix=mediawiki-bundle
. scripts/lib/bundle-steps.sh

total_start=$(now_ms)
mkdir -p "$out"

# 1. The Debian packages: downloaded, unpacked into a build folder, never installed.
if ls "$debs"/mediawiki_*.deb "$debs"/mediawiki-classes_*.deb >/dev/null 2>&1 && [ "$force" = 0 ]; then
  log "debs: present ($(ls "$debs" | tr '\n' ' '))"
else
  begin "debs: apt-get download mediawiki mediawiki-classes"
  mkdir -p "$debs"
  rm -f "$debs"/*.deb
  if ! (cd "$debs" && apt-get download mediawiki mediawiki-classes); then
    log "  download failed: refreshing the package lists once (apt-get update) and retrying"
    apt-get update -qq
    (cd "$debs" && apt-get download mediawiki mediawiki-classes)
  fi
  done_step "$(du -sh "$debs" | cut -f1)"
fi
deb_files=("$debs"/*.deb)

if fresh "$out/.root.stamp" "${deb_files[@]}"; then
  log "unpack: up to date ($root)"
else
  begin "unpack: dpkg -x into $root"
  rm -rf "$root"
  mkdir -p "$root"
  for deb in "${deb_files[@]}"; do dpkg -x "$deb" "$root"; done
  touch "$out/.root.stamp"
  done_step "$(du -sh "$root" | cut -f1)"
fi

# 2. The node side: @php-wasm/node + universal, pinned, in target/ only.
install_php_wasm_tools "$tools"

# 3. The web root: Debian's absolute symlinks resolved inside the unpacked tree, real files only.
# What of this script shapes the web root (the excluded extensions), kept in a
# file rewritten only when it changes: editing the rest of the script does not
# re-assemble (17 s) and re-install.
webroot_config="excluded extensions: ${excluded_extensions[*]}"
if [ "$(cat "$out/.webroot.config" 2>/dev/null)" != "$webroot_config" ]; then echo "$webroot_config" > "$out/.webroot.config"; fi
if fresh "$out/.webroot.stamp" "$out/.root.stamp" "$here/assemble-webroot.mjs" "$here/PlaygroundCliInstaller.php" "$out/.webroot.config"; then
  log "webroot: up to date ($webroot)"
else
  begin "webroot: assemble $webroot"
  rm -f "$out/.webroot.stamp" "$out/.install.stamp"
  exclude_args=()
  for ext in "${excluded_extensions[@]}"; do exclude_args+=(--exclude-extension "$ext"); done
  node "$here/assemble-webroot.mjs" "$root" "$webroot" "${exclude_args[@]}"
  # The installer override (FTS3 missing is a warning, not a failure). Kept in the
  # bundle so the installer can be run again in the worker the same way.
  cp "$here/PlaygroundCliInstaller.php" "$webroot/mw-config/overrides/PlaygroundCliInstaller.php"
  if [ -n "$(find "$webroot" -type l -print -quit)" ]; then log "  ERROR: symlinks left in $webroot"; exit 1; fi
  touch "$out/.webroot.stamp"
  done_step
fi

# 4. Install once on a throwaway php-wasm instance; LocalSettings.php; the seed; the l10n cache.
if fresh "$out/.install.stamp" "$out/.webroot.stamp" "$here/install.mjs" "$here/LocalSettings.additions.php" "$here/run-updater.php"; then
  log "install: up to date ($webroot/LocalSettings.php, $extra/.playground/seed)"
else
  begin "install: maintenance/install.php on a throwaway PHP 8.3 wasm instance"
  rm -f "$webroot/LocalSettings.php"
  node "$here/install.mjs" --webroot "$webroot" --additions "$here/LocalSettings.additions.php" --updater "$here/run-updater.php" \
    --seed-out "$extra/.playground/seed" --tools "$tools"
  touch "$out/.install.stamp"
  done_step
fi

# 5. The ICU data the intl extension needs (MediaWiki uses intl for collation,
#    normalisation and dates).
add_icu_data "$extra/.playground/icudt74l.dat"

# 6. The seed scripts the profile runs from /playground/mediawiki/ (seeded like
#    the DBs): install-check.php (the boot's "installer" step) and
#    run-updater.php (re-registration in the live instance). Copied only when
#    they differ, so an unchanged script leaves the zip up to date.
seed_scripts=$extra/.playground/seed/playground/mediawiki
mkdir -p "$seed_scripts"
copied=()
for script in install-check.php run-updater.php blueprint-step.php; do
  if ! cmp -s "$here/$script" "$seed_scripts/$script"; then
    cp "$here/$script" "$seed_scripts/$script"
    copied+=("$script")
  fi
done
log "seed scripts: ${copied[*]:-up to date} ($seed_scripts)"

# 7. The zip: the web root (re-zipped only after a new install) + .playground/.
zip_bundle "$webroot" "$extra" "$bundle" "$out/.install.stamp"
files=$(zipinfo -1 "$bundle" | grep -cv '/$')
seed_files=$(zipinfo -1 "$bundle" | grep '^\.playground/seed/' | grep -cv '/$')
log "bundle: $files files ($seed_files seed files: $(zipinfo -1 "$bundle" | grep '^\.playground/seed/' | grep -v '/$' | sed 's|^\.playground/seed||' | tr '\n' ' ')), unpacked $(du -sb "$webroot" | cut -f1) bytes of web root"
log "       .playground/icudt74l.dat: $(unzip -v "$bundle" .playground/icudt74l.dat | awk 'NR==4 {print $1 " bytes, " $3 " compressed (" $2 ")"}')"
log "total: $(( $(now_ms) - total_start )) ms"
