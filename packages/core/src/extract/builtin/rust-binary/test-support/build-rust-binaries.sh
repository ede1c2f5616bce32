#!/usr/bin/env bash
# Builds the real ELF executables the rust-binary extractor tests read. cargo-auditable and a
# Rust toolchain are not available to the tests, so a C program compiled by the host's gcc gets
# the `.dep-v0` section cargo-auditable would link in, added by objcopy: the zlib-compressed,
# compact JSON of ../testdata/audit-data/<name>.json (compressed with node:zlib).
#
# Output, outside the checkout:  ${VIGIL_TEST_CACHE:-/var/cache/vigil-test}/rust-binaries-<recipe-hash>/
#   hello                 gcc -O2, no .dep-v0 (an ordinary C executable)
#   serde-json            .dep-v0 of uses-serde-json.json without flags (not loaded), as
#                         cargo-auditable writes it today; before .symtab/.strtab/.shstrtab
#   serde-json-alloc      the same section flagged alloc,readonly (SHF_ALLOC), as older
#                         cargo-auditable releases linked it
#   serde-json-stripped   serde-json after `strip`: no symbol table, .dep-v0 kept
#   sources               .dep-v0 of sources.json
#   <name>.json           the compact JSON that went into each .dep-v0
#   done                  written last; the directory is renamed into place after it
# Other recipes' directories not rebuilt for 7 days are deleted after a build.
#
# <recipe-hash> covers this script, ../testdata/audit-data/* and the gcc, binutils and node versions.
#
# Usage: build-rust-binaries.sh [build|print-dir|print-hash]
# Env:   VIGIL_TEST_CACHE  cache root (default /var/cache/vigil-test; falls back to a per-user temp
#                          directory when it is not writable)
set -euo pipefail
export LC_ALL=C SOURCE_DATE_EPOCH=1747699200
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AUDIT_DATA=$(cd "$HERE/../testdata/audit-data" && pwd)

die() {
  echo "build-rust-binaries: ERROR: $*" >&2
  exit 1
}

cache_root() {
  local preferred=${VIGIL_TEST_CACHE:-/var/cache/vigil-test}
  if mkdir -p "$preferred" 2>/dev/null && [[ -w $preferred ]]; then
    echo "$preferred"
  else
    local fallback=${TMPDIR:-/tmp}/vigil-test-$(id -u)
    mkdir -p "$fallback"
    echo "$fallback"
  fi
}

recipe_hash() {
  local tool
  for tool in gcc objcopy strip node; do
    command -v "$tool" >/dev/null || die "$tool not found: apt-get install gcc libc6-dev (binutils comes with gcc)"
  done
  {
    sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1
    (cd "$AUDIT_DATA" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    gcc --version | head -n1
    objcopy --version | head -n1
    node --version
  } | sha256sum | cut -d' ' -f1
}

out_dir() { echo "$(cache_root)/rust-binaries-$(recipe_hash | cut -c1-16)"; }

# compact JSON of $1 into $2.json, its zlib stream into $2.z
compress() {
  node -e '
    const fs = require("node:fs");
    const zlib = require("node:zlib");
    const json = JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1], "utf8")));
    fs.writeFileSync(process.argv[2] + ".json", json);
    fs.writeFileSync(process.argv[2] + ".z", zlib.deflateSync(Buffer.from(json, "utf8"), { level: 9 }));
  ' "$1" "$2"
}

build() {
  local out
  out=$(out_dir)
  if [[ -f $out/done ]]; then
    echo "rust test binaries up to date: $out" >&2
    return 0
  fi
  # one build at a time (test files run in parallel and may all find the cache empty)
  exec 9>"$(cache_root)/rust-binaries.lock"
  flock 9
  if [[ -f $out/done ]]; then
    echo "rust test binaries built meanwhile: $out" >&2
    return 0
  fi
  STAGE=$out.building-$$
  WORK=$STAGE.work
  trap 'rm -rf "$STAGE" "$WORK"' EXIT
  local stage=$STAGE work=$WORK
  rm -rf "$stage" "$work"
  mkdir -p "$stage" "$work"

  printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' >"$work/hello.c"
  gcc -O2 -o "$stage/hello" "$work/hello.c"
  compress "$AUDIT_DATA/uses-serde-json.json" "$work/serde-json"
  compress "$AUDIT_DATA/sources.json" "$work/sources"
  cp "$work/serde-json.json" "$work/sources.json" "$stage/"
  objcopy --add-section .dep-v0="$work/serde-json.z" "$stage/hello" "$stage/serde-json"
  # objcopy warns that an allocated section added after linking is in no segment: expected
  objcopy --add-section .dep-v0="$work/serde-json.z" --set-section-flags .dep-v0=alloc,readonly \
    "$stage/hello" "$stage/serde-json-alloc" 2>/dev/null
  strip -o "$stage/serde-json-stripped" "$stage/serde-json"
  objcopy --add-section .dep-v0="$work/sources.z" "$stage/hello" "$stage/sources"
  date -u +%FT%TZ >"$stage/done"
  # another process may have finished the same recipe meanwhile: keep the first complete one
  [[ -e $out && ! -f $out/done ]] && rm -rf "$out"
  mv -T "$stage" "$out" 2>/dev/null || true
  echo "rust test binaries built: $out" >&2
  # older recipes' outputs that no run has built for a week
  find "$(cache_root)" -maxdepth 1 -name 'rust-binaries-*' ! -name "$(basename "$out")*" -mtime +7 \
    -exec rm -rf {} + 2>/dev/null || true
}

case ${1:-build} in
  build) build ;;
  print-dir) out_dir ;;
  print-hash) recipe_hash ;;
  *)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
