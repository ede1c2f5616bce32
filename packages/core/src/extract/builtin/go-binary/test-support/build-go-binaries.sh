#!/usr/bin/env bash
# Builds the real Go executables the go-binary extractor tests read, with the host's Go toolchain
# (Debian 12: golang-go, Go 1.19) and no network: the modules come from a file:// module proxy
# made from ../testdata/go-modules/proxy/<path>@<version>/, the application from
# ../testdata/go-modules/app/ (one module of each kind the build info records, see its go.mod).
#
# Output, outside the checkout:  ${VIGIL_TEST_CACHE:-/var/cache/vigil-test}/go-binaries-<recipe-hash>/
#   app            linux/amd64, internal linker, CGO_ENABLED=0
#   app-stripped   -ldflags='-s -w' (no symbol table, no DWARF)
#   app-pie        -buildmode=pie (a read-only-after-relocation PT_LOAD comes before the data one)
#   app-external   -linkmode=external (gcc links; .go.buildinfo lands after .data, not at a segment start)
#   bigdata-external  a 190 KiB .data before .go.buildinfo, externally linked
#   app-386 app-arm64 app-s390x app-mips   cross-compiled: ELF32 LE, ELF64 LE, ELF64 BE, ELF32 BE
#   nomod          GO111MODULE=off: a toolchain version but no module information
#   go-version.txt `go version` of the toolchain that built them
#   done           written last; the directory is renamed into place after it
# Other recipes' directories not rebuilt for 7 days are deleted after a build.
# Go's build cache (safe to share) is kept in <cache>/go-build-cache between recipes.
#
# <recipe-hash> covers this script, every file under ../testdata/go-modules/ and `go version`: a new
# toolchain or a changed recipe builds a new directory; an unchanged one is reused by any checkout.
#
# Usage: build-go-binaries.sh [build|print-dir|print-hash]
# Env:   VIGIL_TEST_CACHE  cache root (default /var/cache/vigil-test; falls back to a per-user temp
#                          directory when it is not writable)
set -euo pipefail
export LC_ALL=C
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULES=$(cd "$HERE/../testdata/go-modules" && pwd)

die() {
  echo "build-go-binaries: ERROR: $*" >&2
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
  command -v go >/dev/null || die "go not found: apt-get install golang-go"
  {
    sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1
    (cd "$MODULES" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    go version
  } | sha256sum | cut -d' ' -f1
}

out_dir() { echo "$(cache_root)/go-binaries-$(recipe_hash | cut -c1-16)"; }

# A file:// GOPROXY (https://go.dev/ref/mod#goproxy-protocol): <path>/@v/{list,<v>.info,<v>.mod,<v>.zip}.
make_proxy() { # src-dir proxy-dir
  local src=$1 proxy=$2 dir rel path version
  while IFS= read -r dir; do
    rel=${dir#"$src"/}
    path=${rel%@*}
    version=${rel##*@}
    mkdir -p "$proxy/$path/@v"
    echo "$version" >>"$proxy/$path/@v/list"
    printf '{"Version":"%s","Time":"2024-01-02T03:04:05Z"}\n' "$version" >"$proxy/$path/@v/$version.info"
    if [[ -f $dir/go.mod ]]; then
      cp "$dir/go.mod" "$proxy/$path/@v/$version.mod"
    else # a module without go.mod (+incompatible): the proxy synthesizes one
      printf 'module %s\n' "$path" >"$proxy/$path/@v/$version.mod"
    fi
    # module zips hold <path>@<version>/<file>; the h1: hash covers names and contents only
    (cd "$src" && find "$rel" -maxdepth 1 -type f | sort | zip -q -X -@ "$proxy/$path/@v/$version.zip")
  done < <(find "$src" -type d -name '*@*' | sort)
}

# A main package whose .data section is larger than the 64 KiB that debug/buildinfo searches
# when it has no section headers to go by.
write_bigdata() { # dir
  local i
  mkdir -p "$1"
  {
    printf '// Command bigdata has a large initialized table of pointers, so a big .data section.\n'
    printf 'package main\n\nimport "fmt"\n\nvar table = []string{\n'
    for ((i = 0; i < 12000; i++)); do printf '\t"entry-%05d",\n' "$i"; done
    printf '}\n\nfunc main() { fmt.Println(len(table), table[len(table)-1]) }\n'
  } >"$1/main.go"
}

build() {
  local out
  out=$(out_dir)
  if [[ -f $out/done ]]; then
    echo "go test binaries up to date: $out" >&2
    return 0
  fi
  # one build at a time (test files run in parallel and may all find the cache empty)
  exec 9>"$(cache_root)/go-binaries.lock"
  flock 9
  if [[ -f $out/done ]]; then
    echo "go test binaries built meanwhile: $out" >&2
    return 0
  fi
  command -v zip >/dev/null || die "zip not found: apt-get install zip"
  STAGE=$out.building-$$
  WORK=$STAGE.work
  trap 'rm -rf "$STAGE" "$WORK"' EXIT
  local stage=$STAGE work=$WORK
  rm -rf "$stage" "$work"
  mkdir -p "$stage" "$work/gopath"
  make_proxy "$MODULES/proxy" "$work/proxy"
  cp -r "$MODULES/app" "$work/app"
  write_bigdata "$work/app/cmd/bigdata"

  # Nothing from the user's Go environment, the network or a VCS checkout leaks into the build.
  export GOENV=off GOFLAGS= GOPROXY="file://$work/proxy" GOSUMDB=off GOTOOLCHAIN=local \
    GOPATH="$work/gopath" GOMODCACHE="$work/gopath/pkg/mod" GOCACHE="$(cache_root)/go-build-cache" \
    GO111MODULE=on GOOS=linux CGO_ENABLED=0
  cd "$work/app"
  go mod tidy
  local common=(-trimpath -buildvcs=false)
  GOARCH=amd64 go build "${common[@]}" -o "$stage/app" .
  GOARCH=amd64 go build "${common[@]}" -ldflags='-s -w' -o "$stage/app-stripped" .
  GOARCH=amd64 go build "${common[@]}" -buildmode=pie -o "$stage/app-pie" .
  GOARCH=amd64 CGO_ENABLED=1 go build "${common[@]}" -ldflags=-linkmode=external -o "$stage/app-external" .
  GOARCH=amd64 CGO_ENABLED=1 go build "${common[@]}" -ldflags=-linkmode=external \
    -o "$stage/bigdata-external" ./cmd/bigdata
  GOARCH=386 go build "${common[@]}" -o "$stage/app-386" .
  GOARCH=arm64 go build "${common[@]}" -o "$stage/app-arm64" .
  GOARCH=s390x go build "${common[@]}" -o "$stage/app-s390x" .
  GOARCH=mips go build "${common[@]}" -o "$stage/app-mips" .
  mkdir -p "$work/gopath/src/nomod"
  printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("no modules") }\n' >"$work/gopath/src/nomod/main.go"
  (cd "$work/gopath/src/nomod" && GO111MODULE=off GOFLAGS= GOARCH=amd64 go build -trimpath -o "$stage/nomod" .)
  go version >"$stage/go-version.txt"
  date -u +%FT%TZ >"$stage/done"
  # another process may have finished the same recipe meanwhile: keep the first complete one
  [[ -e $out && ! -f $out/done ]] && rm -rf "$out"
  mv -T "$stage" "$out" 2>/dev/null || true
  echo "go test binaries built: $out" >&2
  # older recipes' outputs that no run has built for a week
  find "$(cache_root)" -maxdepth 1 -name 'go-binaries-*' ! -name "$(basename "$out")*" -mtime +7 \
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
