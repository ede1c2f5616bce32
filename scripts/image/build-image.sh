#!/usr/bin/env bash
# Builds Vigil's own container image without a container engine, the way the test images are
# built (scripts/test-env/build-images.sh): debootstrap for a Debian bookworm minbase rootfs,
# umoci for the layers and the OCI layout, skopeo for the archive.
#
# Layers:  1. Debian bookworm minbase (the debootstrap rootfs build-images.sh caches), without
#             apt lists, docs (copyright files kept), man pages, info, locales; dpkg's status and
#             file lists stay, so scanners see the packages
#          2. Node.js 20: the `node` binary that runs this build (or $NODE_BIN) and its LICENSE,
#             the user vigil (uid/gid 65532), /var/lib/vigil and /var/cache/vigil owned by it.
#             Debian 12's own nodejs is 18, too old, and nodejs.org is not always reachable:
#             the binary's origin is recorded in the label org.vigil.image.node
#          3. /app: the built packages (dist/ and package.json of core, server, web, cli) with
#             their production dependencies (`npm ci --omit=dev` in a staging directory), and
#             /usr/local/bin/vigil linking to the CLI's bin
# Config:  user 65532:65532, entrypoint node /app/packages/cli/dist/main.js, cmd serve, workdir
#          /app, VIGIL_DATA_DIR=/var/lib/vigil, VIGIL_CACHE_DIR=/var/cache/vigil, port 8080,
#          OCI labels source, version, revision, created, licenses.
#
# Output, outside the checkout:  ${VIGIL_TEST_CACHE:-/var/cache/vigil-test}/vigil-image-<hash>/
#   oci/              OCI image layout, tag <version> (packages/cli/package.json)
#   vigil.oci.tar     skopeo oci-archive of it
#   image.json        tag, manifest digest, compressed and uncompressed size, node provenance
#   last-used         touched by every build that reuses it (pruning)
#   done              written last; the directory is renamed into place after it
# <hash> covers this script, the staged app files (dist, package.json files, lockfile), the node
# binary and its LICENSE, better-sqlite3's compiled addon, the debootstrap parameters and the
# revision: an unchanged recipe is reused, a changed one builds a new directory.
#
# Usage: build-image.sh [build|print-hash]
#   build       (default) build unless done; prints the image directory on stdout. Needs root
#               (file ownership, chroot for the smoke test), the built packages (npm run build),
#               and npm (the production dependencies, cached in <cache>/npm)
#   print-hash  print the recipe hash
# Env: VIGIL_TEST_CACHE  cache root (default /var/cache/vigil-test)
#      NODE_BIN          the node binary to ship (default: the one on PATH; must be Node 20)
#      NODE_LICENSE      its LICENSE (default: beside it, ../share/doc/nodejs/LICENSE or /usr/share/doc/nodejs/LICENSE)
#      SOURCE_URL        org.opencontainers.image.source (default: git remote origin)
#      MIRROR            Debian mirror (default: as build-images.sh)
#      FORCE=1           rebuild even if done;  KEEP_WORK=1  keep the work dir for debugging
#      PRUNE_DAYS        delete other vigil-image-* dirs unused for that many days (default 2)
set -euo pipefail
export LC_ALL=C
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${VIGIL_TEST_CACHE:-/var/cache/vigil-test}
SUITE=bookworm
ARCH=amd64
if [[ -z ${MIRROR:-} ]]; then
  MIRROR=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PACKAGES=(core server web cli) # the workspace packages, as in package.json
APP_UID=65532
T0=$SECONDS

log() { printf '[build-image +%ss] %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() {
  echo "build-image: ERROR: $*" >&2
  exit 1
}

# ------------------------------------------------------------------------------ inputs

# The commit, and its date as every timestamp of the image (the same commit builds the same
# config; files unpacked from .debs keep their own dates).
REVISION=$(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)
if [[ $REVISION != unknown && -n $(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
  REVISION=$REVISION-dirty
fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || echo 1747699200)}
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
VERSION=$(jq -r .version "$REPO/packages/cli/package.json")
SOURCE_URL=${SOURCE_URL:-$(git -C "$REPO" remote get-url origin 2>/dev/null || echo "vigil (no git remote)")}

NODE_BIN=${NODE_BIN:-$(command -v node || true)}
[[ -n $NODE_BIN && -x $NODE_BIN ]] || die "no node on PATH; set NODE_BIN"
NODE_BIN=$(realpath "$NODE_BIN")
find_node_license() {
  local c
  for c in "${NODE_LICENSE:-}" "$(dirname "$NODE_BIN")/../share/doc/nodejs/LICENSE" \
    "$(dirname "$NODE_BIN")/../LICENSE" /usr/share/doc/nodejs/LICENSE; do
    [[ -n $c && -f $c ]] && {
      realpath "$c"
      return
    }
  done
  die "no LICENSE for $NODE_BIN; set NODE_LICENSE"
}
NODE_LICENSE=$(find_node_license)
NODE_VERSION=$("$NODE_BIN" -p process.versions.node)
[[ ${NODE_VERSION%%.*} == 20 ]] || die "$NODE_BIN is Node $NODE_VERSION; the image ships Node 20"
# where the binary came from, for the label: the Debian package that owns it, or its path
node_origin() {
  local pkg
  if pkg=$(dpkg-query -S "$NODE_BIN" 2>/dev/null | cut -d: -f1); then
    dpkg-query -W -f='Debian package ${Package} ${Version} (${Maintainer})' "$pkg"
  else
    echo "$NODE_BIN"
  fi
}
NODE_LABEL="node $NODE_VERSION, the binary of the build machine: $(node_origin)"

# the app as it goes into /app, without node_modules: dist/ (no type declarations or source
# maps: nothing reads them at run time), package.json files, the lockfile, the cli's bin shim
stage_app() { # dir
  local s=$1 p
  mkdir -p "$s"
  cp "$REPO/package.json" "$REPO/package-lock.json" "$s/"
  for p in "${PACKAGES[@]}"; do
    [[ -d $REPO/packages/$p/dist ]] || die "packages/$p/dist is missing: run npm run build first"
    mkdir -p "$s/packages/$p"
    cp "$REPO/packages/$p/package.json" "$s/packages/$p/"
    (cd "$REPO/packages/$p" && find dist -type f ! -name '*.map' ! -name '*.d.ts' ! -name '*.tsbuildinfo' -print0 |
      xargs -0 cp --parents -t "$s/packages/$p")
  done
  [[ -f $s/packages/cli/dist/main.js ]] || die "packages/cli/dist/main.js is missing: run npx tsc -b"
  [[ -f $s/packages/web/dist/index.html ]] || die "packages/web/dist is missing: run (cd packages/web && npx vite build)"
  cp -R "$REPO/packages/cli/bin" "$s/packages/cli/"
}

# better-sqlite3's compiled addon: `npm ci --ignore-scripts` does not build it (and building
# needs node headers from nodejs.org), so the one the checkout's `npm ci` built for this node is
# copied; the build's smoke test loads it inside the image.
sqlite_addon() {
  local m=$REPO/node_modules/better-sqlite3 locked
  [[ -f $m/build/Release/better_sqlite3.node ]] || die "$m/build is missing: run npm ci in the checkout first"
  locked=$(jq -r '.packages["node_modules/better-sqlite3"].version' "$REPO/package-lock.json")
  [[ $(jq -r .version "$m/package.json") == "$locked" ]] ||
    die "$m is not the lockfile's better-sqlite3 $locked: run npm ci in the checkout first"
  echo "$m/build/Release/better_sqlite3.node"
}

recipe_hash() { # staged-app-dir
  {
    sha256sum "$HERE/build-image.sh" "$NODE_BIN" "$NODE_LICENSE" "$(sqlite_addon)" | cut -d' ' -f1
    (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    printf 'suite=%s arch=%s mirror=%s epoch=%s revision=%s source=%s node=%s\n' "$SUITE" "$ARCH" \
      "$MIRROR" "$SOURCE_DATE_EPOCH" "$REVISION" "$SOURCE_URL" "$NODE_LABEL"
    cat "$(debootstrap_dir).done" 2>/dev/null || true # a redone debootstrap is a new base
  } | sha256sum | cut -d' ' -f1
}

# ------------------------------------------------------------------------------ helpers

# the rootfs build-images.sh makes and caches (same key), made here the same way when missing
debootstrap_dir() {
  echo "$CACHE/debootstrap/$SUITE-minbase-$ARCH-$(printf '%s %s %s minbase' "$SUITE" "$ARCH" "$MIRROR" | sha256sum | cut -c1-12)"
}

ensure_debootstrap() {
  BASE=$(debootstrap_dir)
  if [[ -f $BASE.done ]]; then
    log "reusing debootstrap rootfs $BASE"
    return
  fi
  log "debootstrap --variant=minbase $SUITE $MIRROR (a few minutes)"
  mkdir -p "$CACHE/debootstrap" "$CACHE/apt/archives"
  rm -rf --one-file-system "$BASE.tmp"
  unshare --mount --propagation private -- debootstrap --variant=minbase --arch="$ARCH" \
    --cache-dir="$CACHE/apt/archives" "$SUITE" "$BASE.tmp" "$MIRROR" >>"$LOG" 2>&1 ||
    die "debootstrap failed (log: $LOG)"
  mv "$BASE.tmp" "$BASE"
  date -u +%FT%TZ >"$BASE.done"
}

# what an image does not need; dpkg's database (status, file lists) stays for scanners
slim_rootfs() {
  local r=$1 f
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/archives/* "$r"/var/cache/apt/*.bin \
    "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old "$r"/var/cache/ldconfig/aux-cache \
    "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/locale/* "$r"/usr/share/lintian \
    "$r"/etc/resolv.conf "$r"/etc/hostname "$r"/root/.cache "$r"/root/.npm
  mkdir -p "$r/var/lib/apt/lists/partial" "$r/var/cache/apt/archives/partial"
  # /usr/share/doc: only each package's copyright (its licence terms must ship with it), and the
  # symlinks dpkg made from one package's doc dir to another's
  find "$r/usr/share/doc" -type f ! -name copyright -delete
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
  find "$r/var/log" -type f -exec truncate -s 0 {} +
  find "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/var/tmp" "$r/run" -mindepth 1 -maxdepth 1 \
    ! -name lock -exec rm -rf {} + 2>/dev/null || true
  # the third shadow field is the day of the last password change, i.e. the build day
  for f in "$r/etc/shadow" "$r/etc/shadow-"; do
    [[ -f $f ]] && sed -E -i "s/^([^:]*:[^:]*:)[0-9]+:/\1$((SOURCE_DATE_EPOCH / 86400)):/" "$f"
  done
  find "$r" -xdev -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"
}

repack() { # created_by
  umoci repack --refresh-bundle --image "$LAYOUT:$VERSION" --history.created "$CREATED" \
    --history.author Vigil --history.created_by "$1" "$BUNDLE" >>"$LOG" 2>&1
}

# node and the native addon work against the image's own libraries, as the image user
smoke_test() {
  local r=$1 out
  out=$(chroot --userspec=$APP_UID:$APP_UID "$r" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin \
    vigil version 2>&1) || die "vigil version failed in the image: $out"
  [[ $out == "$VERSION" ]] || die "vigil version printed '$out', expected $VERSION"
  out=$(chroot --userspec=$APP_UID:$APP_UID "$r" /usr/bin/env -i /usr/local/bin/node -e \
    'const D = require("/app/node_modules/better-sqlite3"); console.log(new D(":memory:").prepare("select sqlite_version() v").get().v)' 2>&1) ||
    die "better-sqlite3 does not load in the image: $out"
  log "smoke test: vigil $VERSION, SQLite $out, as uid $APP_UID"
}

# ------------------------------------------------------------------------------ layers

layer_debian() {
  log "layer 1: debootstrap minbase $SUITE, slimmed"
  cp -a "$BASE/." "$BUNDLE/rootfs/"
  slim_rootfs "$BUNDLE/rootfs"
  repack "debootstrap --variant=minbase $SUITE; without apt lists, docs, man pages, locales"
}

layer_node() {
  log "layer 2: node $NODE_VERSION from $NODE_BIN, user $APP_UID"
  local r=$BUNDLE/rootfs days=$((SOURCE_DATE_EPOCH / 86400))
  install -D -m 755 "$NODE_BIN" "$r/usr/local/bin/node"
  install -D -m 644 "$NODE_LICENSE" "$r/usr/local/share/doc/nodejs/LICENSE"
  echo "vigil:x:$APP_UID:$APP_UID:Vigil:/var/lib/vigil:/usr/sbin/nologin" >>"$r/etc/passwd"
  echo "vigil:x:$APP_UID:" >>"$r/etc/group"
  echo "vigil:!:$days::::::" >>"$r/etc/shadow"
  echo "vigil:!::" >>"$r/etc/gshadow"
  install -d -m 750 -o $APP_UID -g $APP_UID "$r/var/lib/vigil" "$r/var/cache/vigil"
  find "$r" -xdev -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"
  repack "COPY node $NODE_VERSION /usr/local/bin/node; useradd vigil ($APP_UID)"
}

layer_app() {
  log "layer 3: /app with npm ci --omit=dev"
  local r=$BUNDLE/rootfs
  cp -a "$APP" "$WORK/app"
  # the lockfile pins every version and integrity; no install scripts (nothing from the registry
  # runs as root during a build); the npm cache persists in the cache dir
  (cd "$WORK/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier \
    --cache "$CACHE/npm" >>"$LOG" 2>&1) || die "npm ci --omit=dev failed (log: $LOG)"
  install -D -m 755 "$(sqlite_addon)" "$WORK/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
  # nothing reads type declarations or source maps at run time (about a third of node_modules),
  # nor better-sqlite3's C sources once its addon is built; package.json and licences stay
  find "$WORK/app/node_modules" -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' \
    -o -name '*.d.cts' \) -delete
  rm -rf "$WORK/app/node_modules/better-sqlite3/deps" "$WORK/app/node_modules/better-sqlite3/src"
  cp -a "$WORK/app" "$r/app"
  chown -R 0:0 "$r/app"
  chmod -R u+rwX,go+rX,go-w "$r/app"
  # `vigil` on PATH, for jobs that run commands in the image (the GitLab CI template's scan job)
  ln -s /app/packages/cli/bin/vigil.mjs "$r/usr/local/bin/vigil"
  find "$r/app" "$r/usr/local/bin/vigil" -xdev -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"
  smoke_test "$r"
  repack "COPY app /app; npm ci --omit=dev"
}

configure() {
  # after the last repack: repack builds on the bundle's manifest and would drop this
  umoci config --image "$LAYOUT:$VERSION" --no-history --os linux --architecture "$ARCH" \
    --created "$CREATED" --author Vigil --config.user "$APP_UID:$APP_UID" --config.workingdir /app \
    --config.entrypoint /usr/local/bin/node --config.entrypoint /app/packages/cli/dist/main.js \
    --config.cmd serve --config.exposedports 8080/tcp \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.env NODE_ENV=production --config.env VIGIL_DATA_DIR=/var/lib/vigil \
    --config.env VIGIL_CACHE_DIR=/var/cache/vigil \
    --config.label "org.opencontainers.image.title=Vigil" \
    --config.label "org.opencontainers.image.description=Keeps watch over the images that run in Kubernetes" \
    --config.label "org.opencontainers.image.source=$SOURCE_URL" \
    --config.label "org.opencontainers.image.version=$VERSION" \
    --config.label "org.opencontainers.image.revision=$REVISION" \
    --config.label "org.opencontainers.image.created=$CREATED" \
    --config.label "org.opencontainers.image.licenses=Apache-2.0" \
    --config.label "org.vigil.image.node=$NODE_LABEL" >>"$LOG" 2>&1
  umoci gc --layout "$LAYOUT"
}

# image.json: the manifest digest, and the sizes: compressed (what a pull transfers: manifest,
# config, gzip layers) and uncompressed (the layers' tars)
describe_image() {
  local desc mf blobs=$LAYOUT/blobs/sha256 compressed uncompressed=0 d
  desc=$(jq -c --arg t "$VERSION" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)' "$LAYOUT/index.json")
  mf=$(jq -r .digest <<<"$desc")
  compressed=$(jq --argjson s "$(jq .size <<<"$desc")" '$s + .config.size + ([.layers[].size] | add)' "$blobs/${mf#sha256:}")
  for d in $(jq -r '.layers[].digest' "$blobs/${mf#sha256:}"); do
    uncompressed=$((uncompressed + $(gzip -dc "$blobs/${d#sha256:}" | wc -c)))
  done
  jq -n --arg tag "$VERSION" --arg d "$mf" --argjson c "$compressed" --argjson u "$uncompressed" \
    --arg rev "$REVISION" --arg node "$NODE_LABEL" --arg created "$CREATED" \
    '{tag: $tag, manifestDigest: $d, compressedBytes: $c, uncompressedBytes: $u, revision: $rev, created: $created, node: $node}' \
    >"$STAGE/image.json"
}

# ------------------------------------------------------------------------------ build

# every commit is a new recipe (the revision label): drop images no build reused for PRUNE_DAYS
prune_old() { # keep
  local d
  for d in "$CACHE"/vigil-image-*/; do
    d=${d%/}
    [[ $d != "$1" && -f $d/last-used && -n $(find "$d/last-used" -mtime +"${PRUNE_DAYS:-2}") ]] || continue
    log "pruning $d (unused for more than ${PRUNE_DAYS:-2} days)"
    rm -rf --one-file-system "$d"
  done
  find "$CACHE/logs" -name 'vigil-image-*.log' -mtime +"${PRUNE_DAYS:-2}" -delete 2>/dev/null || true
}

cleanup() {
  local rc=$?
  ((rc != 0)) && [[ -n ${STAGE:-} ]] && rm -rf --one-file-system "$STAGE"
  [[ -n ${WORK:-} && ${KEEP_WORK:-0} != 1 ]] && rm -rf --one-file-system "$WORK"
  [[ -n ${APP:-} ]] && rm -rf "$APP"
  ((rc != 0)) && echo "build-image: failed (exit $rc); log: ${LOG:-none}" >&2
  return "$rc"
}

build() {
  local hash out
  APP=$(mktemp -d /tmp/vigil-image-app.XXXXXX)
  trap cleanup EXIT
  stage_app "$APP"
  hash=$(recipe_hash "$APP")
  out=$CACHE/vigil-image-${hash:0:16}
  if [[ -f $out/done && ${FORCE:-0} != 1 ]]; then
    touch "$out/last-used" 2>/dev/null || true
    log "image up to date: $out ($(jq -r '"\(.compressedBytes) bytes compressed, \(.uncompressedBytes) uncompressed"' "$out/image.json"))"
    echo "$out"
    return 0
  fi
  [[ $(id -u) == 0 ]] || die "building the image needs root (file ownership, chroot): sudo $0"
  local c
  for c in umoci skopeo jq chroot unshare debootstrap npm gzip flock; do
    command -v "$c" >/dev/null || die "missing tool $c (apt-get install umoci skopeo jq debootstrap)"
  done
  mkdir -p "$CACHE/logs"
  exec 9>"$CACHE/vigil-image.lock" # one build at a time; a second waits and reuses it
  flock 9
  if [[ -f $out/done && ${FORCE:-0} != 1 ]]; then
    echo "$out"
    return 0
  fi
  LOG=$CACHE/logs/vigil-image-${hash:0:16}.log
  : >"$LOG"
  STAGE=$out.building
  WORK=$CACHE/vigil-image-work
  LAYOUT=$STAGE/oci
  BUNDLE=$WORK/bundle
  rm -rf --one-file-system "$STAGE" "$WORK"
  mkdir -p "$STAGE" "$WORK"
  log "building vigil:$VERSION into $out (log: $LOG)"
  ensure_debootstrap
  umoci init --layout "$LAYOUT"
  umoci new --image "$LAYOUT:$VERSION"
  umoci unpack --image "$LAYOUT:$VERSION" "$BUNDLE" >>"$LOG" 2>&1
  layer_debian
  layer_node
  layer_app
  configure
  skopeo copy -q --insecure-policy "oci:$LAYOUT:$VERSION" "oci-archive:$STAGE/vigil.oci.tar:$VERSION"
  describe_image
  echo "$hash" >"$STAGE/recipe.sha256"
  printf 'built %s in %ss\n' "$(date -u +%FT%TZ)" "$((SECONDS - T0))" >"$STAGE/done"
  rm -rf --one-file-system "$out"
  mv "$STAGE" "$out"
  STAGE=
  touch "$out/last-used"
  prune_old "$out"
  log "done: $out: $(jq -r '"vigil:\(.tag) \(.manifestDigest), \(.compressedBytes) bytes compressed, \(.uncompressedBytes) uncompressed"' "$out/image.json")"
  echo "$out"
}

case ${1:-build} in
  build) build ;;
  print-hash)
    APP=$(mktemp -d /tmp/vigil-image-app.XXXXXX)
    trap 'rm -rf "$APP"' EXIT
    stage_app "$APP"
    recipe_hash "$APP"
    ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' ;;
  *) die "unknown command $1 (build, print-hash)" ;;
esac
