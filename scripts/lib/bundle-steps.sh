# Steps shared by the site-bundle builders (scripts/mediawiki/build-bundle.sh,
# scripts/moodle/build-bundle.sh). Source it after setting:
#   log_prefix   e.g. mediawiki-bundle
#   force        1 to redo every step
#   out          the builder's folder under target/
# Every step prints what it did and how long it took; each is skipped when its
# output is up to date.

php_wasm_version=3.1.55
# icu.dat of @php-wasm/web and @php-wasm/node 3.1.55 (ICU 74).
icu_sha1=01a9a65b541283f50d68114840da6513538f9814

log() { printf '[%s] %s\n' "$log_prefix" "$*"; }
now_ms() { date +%s%3N; }
step_start=0
begin() { step_start=$(now_ms); log "$*"; }
done_step() { log "  done in $(( $(now_ms) - step_start )) ms${1:+: $1}"; }

# fresh OUTPUT INPUT...: true when OUTPUT exists and is newer than every INPUT.
fresh() {
  local output=$1; shift
  [ "$force" = 0 ] && [ -e "$output" ] || return 1
  local input
  for input in "$@"; do [ "$output" -nt "$input" ] || return 1; done
}

# install_php_wasm_tools DIR: @php-wasm/node + universal, pinned, into DIR
# (target/ only, not the project's package.json: it pulls every PHP version).
install_php_wasm_tools() {
  local tools=$1 package
  for package in node universal; do
    if [ "$force" = 1 ] || [ "$(node -p "require('./$tools/node_modules/@php-wasm/$package/package.json').version" 2>/dev/null)" != "$php_wasm_version" ]; then
      begin "tools: npm install @php-wasm/node@$php_wasm_version @php-wasm/universal@$php_wasm_version into $tools"
      mkdir -p "$tools"
      [ -f "$tools/package.json" ] || echo '{ "private": true, "description": "build-time tools for a site bundle" }' > "$tools/package.json"
      npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "@php-wasm/node@$php_wasm_version" "@php-wasm/universal@$php_wasm_version"
      done_step
      return
    fi
  done
  log "tools: @php-wasm/node and @php-wasm/universal $php_wasm_version present"
}

# add_icu_data FILE: the ICU data the intl extension needs, `shared/icu.dat` of
# @php-wasm/web at the runtime's version, fetched with `npm pack` (the package
# is not a dependency) and only that file kept. A bundle ships it as
# .playground/icudt74l.dat; the host installs it as /internal/shared/icudt74l.dat.
add_icu_data() {
  local icu=$1 tgz actual_sha1
  if [ "$force" = 0 ] && [ -s "$icu" ]; then
    log "icu: present ($icu, $(stat -c %s "$icu") bytes)"
    return
  fi
  begin "icu: shared/icu.dat from @php-wasm/web@$php_wasm_version"
  tgz=$out/php-wasm-web-$php_wasm_version.tgz
  [ -s "$tgz" ] || npm pack "@php-wasm/web@$php_wasm_version" --pack-destination "$out" --loglevel=error >/dev/null
  mkdir -p "$(dirname "$icu")"
  tar -xzOf "$tgz" package/shared/icu.dat > "$icu.tmp"
  actual_sha1=$(sha1sum "$icu.tmp" | cut -d' ' -f1)
  [ "$actual_sha1" = "$icu_sha1" ] || log "  WARNING: icu.dat sha1 is $actual_sha1, expected $icu_sha1 (another ICU build?)"
  mv "$icu.tmp" "$icu"
  done_step "$(stat -c %s "$icu") bytes, sha1 $actual_sha1"
}

# copy_changed_files FROM TO: every file under FROM to the same place under TO,
# only where it differs (an unchanged file leaves the zip up to date).
copy_changed_files() {
  local from=$1 to=$2 file rel copied=()
  while IFS= read -r -d '' file; do
    rel=${file#"$from/"}
    if ! cmp -s "$file" "$to/$rel"; then
      mkdir -p "$(dirname "$to/$rel")"
      cp "$file" "$to/$rel"
      copied+=("$rel")
    fi
  done < <(find "$from" -type f -print0)
  log "project files for ${to#"$out/"}: ${copied[*]:-up to date}"
}

# zip_bundle WEBROOT EXTRA BUNDLE STAMP: the web root at the zip's root
# (webroot.zip, redone only when STAMP is newer), then EXTRA/.playground/ added
# to a copy of it: a changed seed script costs a second, not a re-zip of 22 000
# files. (zip is faster than fflate here.)
zip_bundle() {
  local webroot=$1 extra=$2 bundle=$3 stamp=$4 base extra_files=() file
  base=$out/webroot.zip
  if fresh "$base" "$stamp"; then
    log "zip (web root): up to date ($base)"
  else
    begin "zip (web root): $base"
    rm -f "$base.tmp"
    (cd "$webroot" && zip -q -r -X "$OLDPWD/$base.tmp" .)
    mv "$base.tmp" "$base"
    done_step "$(stat -c %s "$base") bytes"
  fi
  while IFS= read -r -d '' file; do extra_files+=("$file"); done < <(find "$extra/.playground" -type f -print0)
  if fresh "$bundle" "$base" "${extra_files[@]}"; then
    log "zip: up to date ($bundle)"
  else
    begin "zip: $bundle = $base + .playground/ (${#extra_files[@]} files)"
    rm -f "$bundle.tmp"
    cp "$base" "$bundle.tmp"
    (cd "$extra" && zip -q -r -X "$OLDPWD/$bundle.tmp" .playground)
    mv "$bundle.tmp" "$bundle"
    done_step
  fi
  log "bundle: $bundle, $(stat -c %s "$bundle") bytes ($(du -h "$bundle" | cut -f1)), $(zipinfo -1 "$bundle" | grep -cv '/$') files"
}
