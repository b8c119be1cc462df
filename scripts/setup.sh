#!/usr/bin/env bash
# Installs everything the build and the tests need, idempotently: a second run
# on a prepared machine only checks versions and returns in a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# Every tool is built with `cargo install --locked`: the dependency versions
# its authors published, the same on every machine and every week.
# wasm-bindgen-cli's published Cargo.lock names webpki-roots 1.0.11, which the
# registry reachable here does not serve; its lock is taken as published with
# that one crate moved to the newest version served (1.0.10, same major), and
# the result is installed with --locked from a copy of the crate's source.
install_wasm_bindgen_cli() {
  local version=$1 work
  work=$(mktemp -d)
  curl -sSfL "https://static.crates.io/crates/wasm-bindgen-cli/wasm-bindgen-cli-$version.crate" | tar xz -C "$work"
  (
    cd "$work/wasm-bindgen-cli-$version"
    if ! cargo metadata --locked --format-version 1 >/dev/null 2>&1; then
      cargo update --quiet -p webpki-roots --precise 1.0.10
    fi
    cargo install --locked --force --path .
  )
  rm -rf "$work"
}

# Rust target for the worker crate.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# rustfmt and clippy for the lint step (part of the usual toolchain profile).
for component in rustfmt clippy; do
  rustup component list --installed | grep -q "^$component" || rustup component add "$component"
done

# wasm-bindgen-cli must match the wasm-bindgen version in Cargo.lock exactly,
# or the generated glue and the test runner refuse the module.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  log "building wasm-bindgen-cli $bindgen_version from source (about 3 minutes)"
  install_wasm_bindgen_cli "$bindgen_version"
fi

# Prebuilt downloads from GitHub do not resolve here: build the tools instead.
if ! command -v wasm-pack >/dev/null; then
  log "building wasm-pack from source (about 2 minutes)"
  cargo install --locked wasm-pack --version 0.15.1
fi
if ! command -v geckodriver >/dev/null; then
  log "building geckodriver from source (about 2 minutes)"
  cargo install --locked geckodriver --version 0.37.1
fi

# Debian's browsers and ChromeDriver (never a test tool's own browser download).
missing=()
for pkg in chromium chromium-driver firefox-esr; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm packages, exactly as locked.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi
log "ready"
