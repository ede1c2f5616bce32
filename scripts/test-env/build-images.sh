#!/usr/bin/env bash
# Builds the container images that Vigil's integration tests scan, without a container engine:
# debootstrap (from the Debian mirror) for the Debian root filesystems, umoci for layers and the
# OCI layout, skopeo for the archives. Deterministic: one fixed SOURCE_DATE_EPOCH for every
# timestamp, mtimes clamped, hand-made tars sorted and root-owned (the same package versions give
# the same digests; deb.debian.org is live, so a new point release changes the Debian images).
#
# Output, outside the checkout:  ${VIGIL_TEST_CACHE:-/var/cache/vigil-test}/images-<recipe-hash>/
#   oci/                          one OCI image layout holding every tag below
#   archives/<tag>.oci.tar        skopeo oci-archive (multiarch: --all, the index is kept)
#   archives/<tag>.docker.tar     skopeo docker-archive, named vigil/<tag>:latest (not multiarch)
#   expected/<tag>.json           manifest, config and layer digests, diff_ids, platform
#   expected/<tag>.dpkg-query.tsv dpkg-query -W over the image's final rootfs (Debian images)
#   expected/<tag>.rpm-qa.tsv     rpm -qa over the image's rpmdb (rpm-sqlite, rpm-bdb; rpm has no ndb)
#   expected/<tag>.apk.tsv        name, version, arch, origin from lib/apk/db/installed (alpine-*)
#   expected/images.tsv           one line per tag: kind, platform, layers, package db, packages
#   done                          written last; the directory is renamed into place after it
# Tags: minbase python multilayer nodeapp multiarch alpine-3.10 alpine-3.11 rpm-sqlite rpm-ndb
# rpm-bdb distroless-deb (see README.md beside this script).
#
# <recipe-hash> is the sha256 of this script, every file of the image trees testdata/images/*/, and
# the build parameters (suite, arch, mirror): a changed recipe builds a new directory, and an
# unchanged one is reused by any checkout of the same recipe (CI's clean clone included).
# The debootstrap rootfs and the apt .deb cache stay in the cache directory between recipes.
#
# Usage: build-images.sh [build|print-dir|print-hash|inputs]
#   build       (default) build unless images-<hash>/done exists; needs root (debootstrap, chroot)
#               and npm on the host (nodeapp's `npm ci`, cached in <cache>/npm)
#   print-dir   print the images directory of this recipe, built or not (no root needed)
#   print-hash  print the full recipe hash
#   inputs      list the files the recipe hash covers
# Env: VIGIL_TEST_CACHE  cache root (default /var/cache/vigil-test)
#      MIRROR            Debian mirror (default: first URIs: of /etc/apt/sources.list.d/debian.sources)
#      FORCE=1           rebuild the images even if complete;  FRESH=1  also redo debootstrap
#      KEEP_WORK=1       keep the unpacked bundles in <cache>/work for debugging
#      PRUNE_DAYS        delete other images-*/registry-* dirs unused for that many days (default 7)
set -euo pipefail
export LC_ALL=C
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TESTDATA=testdata/images # relative to REPO; one folder per non-Debian image
CACHE=${VIGIL_TEST_CACHE:-/var/cache/vigil-test}
SUITE=bookworm
ARCH=amd64
if [[ -z ${MIRROR:-} ]]; then
  MIRROR=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}
# 2025-05-20T00:00:00Z, the date of the snapshot named in Debian 12's sources file
export SOURCE_DATE_EPOCH=1747699200
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
PYTHON_PKGS=(python3 python3-requests python3-yaml libxml2 libsqlite3-0)
MULTILAYER_PKGS=(curl ca-certificates)
NODEAPP_PKGS=(nodejs)
AUTHOR="Vigil test-env"
SOURCE_LABEL=org.opencontainers.image.source=scripts/test-env/build-images.sh
INDEX_MT=application/vnd.oci.image.index.v1+json
MANIFEST_MT=application/vnd.oci.image.manifest.v1+json
T0=$SECONDS

log() { printf '[build-images +%ss] %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() {
  echo "build-images: ERROR: $*" >&2
  exit 1
}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# ------------------------------------------------------------------------------ recipe hash

recipe_inputs() {
  (
    cd "$REPO"
    {
      echo scripts/test-env/build-images.sh
      find "$TESTDATA" -mindepth 2 \( -type f -o -type l \) # the image trees, not README/PROVENANCE
    } | sort
  )
}

recipe_hash() {
  local files
  files=$(recipe_inputs)
  {
    (cd "$REPO" && xargs -d '\n' sha256sum -- <<<"$files")
    printf 'suite=%s arch=%s mirror=%s epoch=%s\n' "$SUITE" "$ARCH" "$MIRROR" "$SOURCE_DATE_EPOCH"
  } | sha256sum | cut -d' ' -f1
}

images_dir() { echo "$CACHE/images-${1:0:16}"; }

# ------------------------------------------------------------------------------ helpers

# rm -rf that refuses when anything is mounted at or below the path (chroot bind mounts)
safe_rm() {
  local d real
  for d in "$@"; do
    [[ -e $d || -L $d ]] || continue
    real=$(realpath -m "$d")
    if awk -v p="$real" '$2 == p || index($2, p "/") == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
      die "refusing to delete $d: something is mounted below it"
    fi
    rm -rf --one-file-system -- "$d"
  done
}

# run a command chrooted into rootfs $1 with /proc, /dev and the persistent apt caches mounted.
# The mounts live in a private mount namespace (unshare), so they vanish with the command even
# when it fails or is killed; nothing can stay mounted under a directory we later delete.
in_chroot() {
  local r=$1
  shift
  mkdir -p "$r/proc" "$r/dev" "$r/var/cache/apt/archives" "$r/var/lib/apt/lists" \
    "$APT_ARCHIVES/partial" "$APT_LISTS/partial"
  cp /etc/resolv.conf "$r/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d" # no service starts in a chroot
  chmod 755 "$r/usr/sbin/policy-rc.d"
  # shellcheck disable=SC2016 # the inner script expands its own arguments
  unshare --mount --propagation private -- /bin/bash -euc '
    r=$1 archives=$2 lists=$3
    shift 3
    mount -t proc proc "$r/proc"
    mount --rbind /dev "$r/dev"
    mount --bind "$archives" "$r/var/cache/apt/archives"
    mount --bind "$lists" "$r/var/lib/apt/lists"
    exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      DEBIAN_FRONTEND=noninteractive SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" "$@"
  ' in-chroot "$r" "$APT_ARCHIVES" "$APT_LISTS" "$@" >>"$LOG" 2>&1 || {
    tail -n 30 "$LOG" >&2
    die "command in chroot $r failed: $* (full log: $LOG)"
  }
  rm -f "$r/usr/sbin/policy-rc.d"
}

apt_in_chroot() { # rootfs apt-get-args...
  local r=$1
  shift
  in_chroot "$r" apt-get -q -y -o APT::Sandbox::User=root -o Dpkg::Use-Pty=0 "$@"
}

# make a rootfs image-like and reproducible before umoci diffs it into a layer
clean_rootfs() {
  local r=$1 f days
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/archives/* "$r"/var/cache/apt/*.bin
  mkdir -p "$r/var/lib/apt/lists/partial" "$r/var/cache/apt/archives/partial"
  find "$r/var/log" -type f -exec truncate -s 0 {} +
  rm -f "$r"/var/cache/ldconfig/aux-cache "$r"/var/lib/dpkg/*-old "$r"/var/cache/debconf/*-old
  rm -f "$r/etc/resolv.conf" "$r/etc/hostname" "$r/usr/sbin/policy-rc.d" # debootstrap copies the host's
  find "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/var/tmp" "$r/run" -mindepth 1 -maxdepth 1 \
    ! -name lock -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$r/root/.cache"
  # the third shadow field is the day of the last password change, i.e. the build day
  days=$((SOURCE_DATE_EPOCH / 86400))
  for f in "$r/etc/shadow" "$r/etc/shadow-"; do
    [[ -f $f ]] && sed -E -i "s/^([^:]*:[^:]*:)[0-9]+:/\1$days:/" "$f"
  done
  # files written at build time get the fixed date; files unpacked from .debs keep theirs
  find "$r" -xdev -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"
}

# deterministic tar of some entries of a directory: sorted, root-owned, one mtime, no atime/ctime
det_tar() { # dir out.tar entries...
  local dir=$1 out=$2
  shift 2
  tar -C "$dir" --create --file "$out" --sort=name --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --owner=0 --group=0 --numeric-owner --mode=u+rw,go-w,a+rX --mtime="@$SOURCE_DATE_EPOCH" -- "$@"
}

new_image() { # tag [cmd]
  umoci new --image "$LAYOUT:$1"
  local args=(--no-history --image "$LAYOUT:$1" --os linux --architecture "$ARCH" --created "$CREATED"
    --author "$AUTHOR" --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    --config.label "$SOURCE_LABEL" --config.label "org.vigil.test.image=$1")
  [[ -n ${2:-} ]] && args+=(--config.cmd "$2")
  umoci config "${args[@]}"
}

repack() { # bundle tag created_by
  umoci repack --refresh-bundle --image "$LAYOUT:$2" --history.created "$CREATED" \
    --history.author "$AUTHOR" --history.created_by "$3" "$1"
}

add_layer() { # tag layer.tar created_by
  umoci raw add-layer --image "$LAYOUT:$1" --history.created "$CREATED" \
    --history.author "$AUTHOR" --history.created_by "$3" "$2"
}

blobs() { echo "$LAYOUT/blobs/sha256"; }
blob() { echo "$(blobs)/${1#sha256:}"; }

# store stdin as a blob; sets BLOB_DIGEST (sha256:...) and BLOB_SIZE (so never call it in a pipe)
blob_put() {
  local tmp=$WORK/blob.tmp d
  cat >"$tmp"
  d=$(sha256sum "$tmp" | cut -d' ' -f1)
  BLOB_SIZE=$(stat -c %s "$tmp")
  ((BLOB_SIZE > 0)) || die "refusing to store an empty blob"
  mv "$tmp" "$(blobs)/$d"
  BLOB_DIGEST=sha256:$d
}

ref_descriptor() { # tag -> the index.json descriptor of that tag
  jq -ce --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)' \
    "$LAYOUT/index.json" || die "tag $1 not in $LAYOUT"
}

# point tag at a new descriptor (mediaType digest size) in index.json
set_ref() { # tag mediaType digest size
  jq -c --arg t "$1" --arg mt "$2" --arg d "$3" --argjson s "$4" '
    .manifests |= (map(select(.annotations["org.opencontainers.image.ref.name"] != $t))
      + [{mediaType: $mt, digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": $t}}])' \
    "$LAYOUT/index.json" >"$WORK/index.json.tmp"
  mv "$WORK/index.json.tmp" "$LAYOUT/index.json"
}

# copy manifest $1 with its config rewritten by jq filter $2; sets BLOB_DIGEST/BLOB_SIZE of the
# new manifest (umoci config has no --variant, and the multiarch index needs a second manifest)
derive_manifest() {
  local mf=$1 filter=$2 cfg
  cfg=$(jq -r .config.digest "$(blob "$mf")")
  blob_put < <(jq -cj "$filter" "$(blob "$cfg")")
  blob_put < <(jq -cj --arg d "$BLOB_DIGEST" --argjson s "$BLOB_SIZE" '.config.digest = $d | .config.size = $s' \
    "$(blob "$mf")")
}

# ------------------------------------------------------------------------------ images

debootstrap_base() {
  local key
  key=$(printf '%s %s %s minbase' "$SUITE" "$ARCH" "$MIRROR" | sha256sum | cut -c1-12)
  BASE=$CACHE/debootstrap/$SUITE-minbase-$ARCH-$key
  if [[ -f $BASE.done && ${FRESH:-0} != 1 ]]; then
    log "reusing debootstrap rootfs $BASE (from $(cat "$BASE.done"); FRESH=1 redoes it)"
    return
  fi
  log "debootstrap --variant=minbase $SUITE $MIRROR (a few minutes on an empty cache)"
  safe_rm "$BASE" "$BASE.done" "$BASE.tmp"
  mkdir -p "$CACHE/debootstrap" "$APT_ARCHIVES"
  # own mount namespace: debootstrap mounts /proc and /sys in the target
  unshare --mount --propagation private -- debootstrap --variant=minbase --arch="$ARCH" \
    --cache-dir="$APT_ARCHIVES" "$SUITE" "$BASE.tmp" "$MIRROR" >>"$LOG" 2>&1 || {
    tail -n 30 "$LOG" >&2
    die "debootstrap failed (full log: $LOG)"
  }
  mv "$BASE.tmp" "$BASE"
  date -u +%FT%TZ >"$BASE.done"
}

dpkg_expected() { # tag rootfs
  dpkg-query -W --admindir="$2/var/lib/dpkg" \
    -f='${db:Status-Abbrev}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\t${Architecture}\n' \
    >"$STAGE/expected/$1.dpkg-query.tsv"
}

unpack_from() { # base-tag bundle
  safe_rm "$2"
  umoci unpack --image "$LAYOUT:$1" "$2" >>"$LOG" 2>&1
}

build_minbase() {
  log "minbase: debootstrap minbase (1 layer)"
  local b=$WORK/minbase
  new_image minbase bash
  unpack_from minbase "$b"
  cp -a "$BASE/." "$b/rootfs/"
  clean_rootfs "$b/rootfs"
  repack "$b" minbase "debootstrap --variant=minbase $SUITE"
  dpkg_expected minbase "$b/rootfs"
  safe_rm "$b"
}

build_python() {
  log "python: minbase + ${PYTHON_PKGS[*]} (2 layers)"
  local b=$WORK/python
  unpack_from minbase "$b"
  apt_in_chroot "$b/rootfs" update
  apt_in_chroot "$b/rootfs" install --no-install-recommends "${PYTHON_PKGS[@]}"
  clean_rootfs "$b/rootfs"
  repack "$b" python "apt-get install --no-install-recommends ${PYTHON_PKGS[*]}"
  umoci config --no-history --image "$LAYOUT:python" --config.cmd python3 \
    --config.label org.vigil.test.image=python
  dpkg_expected python "$b/rootfs"
  safe_rm "$b"
}

build_multilayer() {
  log "multilayer: minbase / +curl, files / purge curl, rm file (whiteouts) / opaque dir (4 layers)"
  local b=$WORK/multilayer r=$WORK/multilayer/rootfs v
  unpack_from minbase "$b"
  # L2: packages, a file deleted again in L3, and vendored npm packages replaced in L4
  apt_in_chroot "$r" update
  apt_in_chroot "$r" install --no-install-recommends "${MULTILAYER_PKGS[@]}"
  echo "vigil test secret: deleted again in layer 3" >"$r/etc/vigil-secret.txt"
  v=$r/opt/vendor/node_modules
  mkdir -p "$v/left-pad" "$v/is-number"
  printf '{"name":"left-pad","version":"1.0.0","license":"WTFPL","main":"index.js"}\n' >"$v/left-pad/package.json"
  printf '{"name":"is-number","version":"3.0.0","license":"MIT","main":"index.js"}\n' >"$v/is-number/package.json"
  clean_rootfs "$r"
  repack "$b" multilayer "apt-get install ${MULTILAYER_PKGS[*]}; add /etc/vigil-secret.txt, /opt/vendor"
  # L3: deletions become .wh.<name> entries; the purge rewrites /var/lib/dpkg/status
  apt_in_chroot "$r" purge curl
  rm -f "$r/etc/vigil-secret.txt"
  clean_rootfs "$r"
  repack "$b" multilayer "apt-get purge curl; rm /etc/vigil-secret.txt"
  dpkg_expected multilayer "$r" # L4 does not touch the dpkg database
  # L4: /opt/vendor made opaque (.wh..wh..opq) and refilled with left-pad 1.3.0 only. A hand-made
  # tar and `umoci raw add-layer`, because umoci 0.4.7 `insert` writes truncated tars.
  local s=$WORK/multilayer-l4
  safe_rm "$s"
  mkdir -p "$s/opt/vendor/node_modules/left-pad"
  : >"$s/opt/vendor/.wh..wh..opq"
  printf '{"name":"left-pad","version":"1.3.0","license":"WTFPL","main":"index.js"}\n' \
    >"$s/opt/vendor/node_modules/left-pad/package.json"
  det_tar "$s" "$WORK/multilayer-l4.tar" opt
  add_layer multilayer "$WORK/multilayer-l4.tar" "COPY vendor /opt/vendor (opaque directory)"
  # only now: repack builds on the bundle's manifest and would drop an earlier config change
  umoci config --no-history --image "$LAYOUT:multilayer" --config.label org.vigil.test.image=multilayer
  safe_rm "$b" "$s"
}

# Debian's nodejs in a layer on minbase, then /app from testdata/images/nodeapp/ with its
# production dependencies installed by the host's `npm ci --omit=dev` (the lockfile pins every
# version and integrity, so the tree is the same on every build; the npm cache persists in the
# cache dir). Install scripts are not run: none of these packages has one, and a build should not
# run code from the registry as root.
build_nodeapp() {
  log "nodeapp: minbase / +${NODEAPP_PKGS[*]} / /app with npm ci --omit=dev (3 layers)"
  local b=$WORK/nodeapp r=$WORK/nodeapp/rootfs s=$WORK/nodeapp-src
  unpack_from minbase "$b"
  apt_in_chroot "$r" update
  apt_in_chroot "$r" install --no-install-recommends "${NODEAPP_PKGS[@]}"
  clean_rootfs "$r"
  repack "$b" nodeapp "apt-get install --no-install-recommends ${NODEAPP_PKGS[*]}"
  dpkg_expected nodeapp "$r"
  safe_rm "$s"
  mkdir -p "$s" "$CACHE/npm"
  cp "$REPO/$TESTDATA/nodeapp/package.json" "$REPO/$TESTDATA/nodeapp/package-lock.json" \
    "$REPO/$TESTDATA/nodeapp/index.js" "$s/"
  (cd "$s" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier \
    --cache "$CACHE/npm" >>"$LOG" 2>&1) || {
    tail -n 30 "$LOG" >&2
    die "npm ci for nodeapp failed (full log: $LOG)"
  }
  cp -a "$s" "$r/app"
  clean_rootfs "$r"
  repack "$b" nodeapp "COPY nodeapp /app; npm ci --omit=dev"
  # only now: repack builds on the bundle's manifest and would drop an earlier config change
  umoci config --no-history --image "$LAYOUT:nodeapp" --config.workingdir /app \
    --config.cmd node --config.cmd index.js --config.label org.vigil.test.image=nodeapp
  safe_rm "$b" "$s"
}

# a single-layer image from testdata/images/<tag>/ (+ the symlinks real images have)
build_tree_image() { # tag created_by
  local tag=$1 s=$WORK/tree-$1
  log "$tag: one layer from $TESTDATA/$tag"
  safe_rm "$s"
  mkdir -p "$s"
  cp -R "$REPO/$TESTDATA/$tag/." "$s/"
  case $tag in
    rpm-ndb) # SUSE: the rpmdb lives in /usr/lib/sysimage/rpm, os-release in /usr/lib
      mkdir -p "$s/var/lib" "$s/etc"
      ln -s ../../usr/lib/sysimage/rpm "$s/var/lib/rpm"
      ln -s ../usr/lib/os-release "$s/etc/os-release"
      ;;
  esac
  local entries
  mapfile -t entries < <(cd "$s" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | sort)
  det_tar "$s" "$WORK/$tag.tar" "${entries[@]}"
  new_image "$tag"
  add_layer "$tag" "$WORK/$tag.tar" "$2"
  safe_rm "$s" "$WORK/$tag.tar"
}

# The distroless status.d entry is an arm64 package, so that image says linux/arm64/v8.
retarget_distroless() {
  local mf
  mf=$(ref_descriptor distroless-deb | jq -r .digest)
  derive_manifest "$mf" '.architecture = "arm64" | .variant = "v8"'
  set_ref distroless-deb "$MANIFEST_MT" "$BLOB_DIGEST" "$BLOB_SIZE"
}

# An index with minbase for linux/amd64 and a *declared* linux/arm64/v8 manifest: the same
# (amd64) layers under a config that says arm64, enough to test platform selection.
build_multiarch() {
  log "multiarch: OCI index, minbase amd64 + declared arm64/v8"
  local mf mfsize arm armsize
  mf=$(ref_descriptor minbase | jq -r .digest)
  mfsize=$(stat -c %s "$(blob "$mf")")
  derive_manifest "$mf" '.architecture = "arm64" | .variant = "v8"
    | .config.Labels["org.vigil.test.image"] = "multiarch"
    | .config.Labels["org.vigil.test.note"] = "declared arm64: the layers are the amd64 ones"'
  arm=$BLOB_DIGEST armsize=$BLOB_SIZE
  blob_put < <(jq -ncj --arg mt "$MANIFEST_MT" --arg imt "$INDEX_MT" --arg a "$mf" --argjson asize "$mfsize" \
    --arg b "$arm" --argjson bsize "$armsize" '{
      schemaVersion: 2, mediaType: $imt,
      manifests: [
        {mediaType: $mt, digest: $a, size: $asize, platform: {architecture: "amd64", os: "linux"}},
        {mediaType: $mt, digest: $b, size: $bsize, platform: {architecture: "arm64", os: "linux", variant: "v8"}}
      ]}')
  set_ref multiarch "$INDEX_MT" "$BLOB_DIGEST" "$BLOB_SIZE"
}

# ------------------------------------------------------------------------------ expected results

# manifest facts as JSON: manifest digest $1, size $2, media type $3 (umoci omits it in the manifest)
manifest_facts() {
  local cfg
  cfg=$(jq -r .config.digest "$(blob "$1")")
  jq -n --arg d "$1" --argjson s "$2" --arg mt "$3" --slurpfile m "$(blob "$1")" --slurpfile c "$(blob "$cfg")" '
    $m[0] as $m | $c[0] as $c | {
      manifestDigest: $d, manifestSize: $s, mediaType: ($m.mediaType // $mt),
      platform: ({os: $c.os, architecture: $c.architecture} + (if $c.variant then {variant: $c.variant} else {} end)),
      configDigest: $m.config.digest, configSize: $m.config.size,
      layers: [range($m.layers | length) as $i | $m.layers[$i] + {diffId: $c.rootfs.diff_ids[$i]}],
      diffIds: $c.rootfs.diff_ids
    }'
}

write_expected_json() { # tag
  local tag=$1 desc d s
  desc=$(ref_descriptor "$tag")
  d=$(jq -r .digest <<<"$desc")
  s=$(jq -r .size <<<"$desc")
  if [[ $(jq -r .mediaType <<<"$desc") == "$INDEX_MT" ]]; then
    local entries=() md ms mmt
    while IFS=$'\t' read -r md ms mmt; do
      entries+=("$(manifest_facts "$md" "$ms" "$mmt")")
    done < <(jq -r '.manifests[] | "\(.digest)\t\(.size)\t\(.mediaType)"' "$(blob "$d")")
    printf '%s\n' "${entries[@]}" | jq -s --arg t "$tag" --arg d "$d" --argjson s "$s" --arg mt "$INDEX_MT" \
      '{tag: $t, ref: "vigil/\($t):latest", mediaType: $mt, manifestDigest: $d, manifestSize: $s, manifests: .}'
  else
    manifest_facts "$d" "$s" "$(jq -r .mediaType <<<"$desc")" | jq --arg t "$tag" '{tag: $t, ref: "vigil/\($t):latest"} + .'
  fi >"$STAGE/expected/$tag.json"
}

rpm_expected() { # tag dbdir backend
  local t=$WORK/rpmdb-$1
  safe_rm "$t"
  mkdir -p "$t"
  cp "$2"/* "$t/"
  rpm --define "_db_backend $3" --dbpath "$t" -qa \
    --qf '%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\n' 2>/dev/null |
    sort >"$STAGE/expected/$1.rpm-qa.tsv"
  [[ -s $STAGE/expected/$1.rpm-qa.tsv ]] || die "rpm -qa found no packages in $2"
  safe_rm "$t"
}

apk_expected() { # tag installed-file
  awk -F: -v OFS='\t' '
    /^P:/ { p = substr($0, 3) } /^V:/ { v = substr($0, 3) } /^A:/ { a = substr($0, 3) } /^o:/ { o = substr($0, 3) }
    /^$/ { if (p != "") print p, v, a, o; p = v = a = o = "" }
    END { if (p != "") print p, v, a, o }' "$2" >"$STAGE/expected/$1.apk.tsv"
}

# distroless status.d stanzas have no Status field (every entry is installed), and dpkg-query
# skips such entries: query them as one status file with "Status: install ok installed" added
distroless_expected() {
  local t=$WORK/distroless-admin f
  safe_rm "$t"
  mkdir -p "$t/var/lib/dpkg/info" "$t/var/lib/dpkg/updates"
  for f in "$REPO/$TESTDATA/distroless-deb/var/lib/dpkg/status.d"/*; do
    [[ $f == *.md5sums ]] && continue
    sed -e '/^$/d' -e '/^Package:/a Status: install ok installed' "$f"
    echo
  done >"$t/var/lib/dpkg/status"
  dpkg_expected distroless-deb "$t"
  safe_rm "$t"
}

write_summary() {
  local tag kind plat layers db n
  {
    printf 'tag\tkind\tplatform\tlayers\tpackage_db\tpackages\n'
    while read -r tag; do
      local j=$STAGE/expected/$tag.json
      kind=$(jq -r 'if .manifests then "index" else "manifest" end' "$j")
      plat=$(jq -r '[(.manifests // [.])[] | .platform | [.os, .architecture, .variant // empty] | join("/")] | join(",")' "$j")
      layers=$(jq -r '[(.manifests // [.])[] | .layers | length] | map(tostring) | join(",")' "$j")
      db=- n=-
      if [[ -f $STAGE/expected/$tag.dpkg-query.tsv ]]; then
        db=dpkg n=$(grep -c '^ii' "$STAGE/expected/$tag.dpkg-query.tsv" || true)
      elif [[ -f $STAGE/expected/$tag.rpm-qa.tsv ]]; then
        db=rpm n=$(wc -l <"$STAGE/expected/$tag.rpm-qa.tsv")
      elif [[ -f $STAGE/expected/$tag.apk.tsv ]]; then
        db=apk n=$(wc -l <"$STAGE/expected/$tag.apk.tsv")
      elif [[ $tag == rpm-ndb ]]; then
        db=rpm-ndb
      elif [[ $tag == multiarch ]]; then
        db=dpkg n=$(grep -c '^ii' "$STAGE/expected/minbase.dpkg-query.tsv" || true)
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tag" "$kind" "$plat" "$layers" "$db" "$n"
    done < <(jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$LAYOUT/index.json")
  } >"$STAGE/expected/images.tsv"
}

export_archives() {
  local tag mt
  log "archives: skopeo oci-archive and docker-archive per tag"
  while IFS=$'\t' read -r tag mt; do
    if [[ $mt == "$INDEX_MT" ]]; then
      skopeo copy -q --insecure-policy --all "oci:$LAYOUT:$tag" "oci-archive:$STAGE/archives/$tag.oci.tar:$tag"
    else
      skopeo copy -q --insecure-policy "oci:$LAYOUT:$tag" "oci-archive:$STAGE/archives/$tag.oci.tar:$tag"
      skopeo copy -q --insecure-policy "oci:$LAYOUT:$tag" "docker-archive:$STAGE/archives/$tag.docker.tar:vigil/$tag:latest"
    fi
  done < <(jq -r '.manifests[] | "\(.annotations["org.opencontainers.image.ref.name"])\t\(.mediaType)"' "$LAYOUT/index.json")
}

# ------------------------------------------------------------------------------ build

prune_old() {
  local days=${PRUNE_DAYS:-7} d stamp
  for d in "$CACHE"/images-* "$CACHE"/registry-*; do
    [[ -d $d && $d != "$OUT" && $d != "$STAGE" ]] || continue
    stamp=$d/last-used
    [[ -e $stamp ]] || stamp=$d/done
    [[ -e $stamp ]] || stamp=$d
    if [[ -n $(find "$stamp" -maxdepth 0 -mtime +"$days") ]]; then
      log "pruning $d (unused for more than $days days)"
      safe_rm "$d"
    fi
  done
  find "$CACHE/logs" -name 'images-*.log' -mtime +"$days" -delete 2>/dev/null || true
}

check_tools() {
  local c missing=()
  for c in debootstrap umoci skopeo jq rpm dpkg-query tar flock unshare chroot sha256sum npm; do
    command -v "$c" >/dev/null || missing+=("$c")
  done
  ((${#missing[@]} == 0)) ||
    die "missing tools: ${missing[*]} (apt-get install debootstrap umoci skopeo jq rpm)"
}

cleanup() {
  local rc=$?
  if ((rc != 0)); then
    echo "build-images: failed (exit $rc); nothing was marked complete. Log: ${LOG:-none}" >&2
    [[ -n ${STAGE:-} ]] && safe_rm "$STAGE"
  fi
  [[ -n ${WORK:-} && ${KEEP_WORK:-0} != 1 ]] && safe_rm "$WORK"
  return "$rc"
}

build() {
  local hash
  hash=$(recipe_hash)
  OUT=$(images_dir "$hash")
  if [[ -f $OUT/done && ${FORCE:-0} != 1 ]]; then
    echo "test images up to date: $OUT" >&2
    return 0
  fi
  [[ $(id -u) == 0 ]] || die "the test images for this recipe are not built yet ($OUT).
Building them needs root (debootstrap, chroot, mount): run 'npm test' as root, or
'sudo VIGIL_TEST_CACHE=$CACHE $0' once."
  check_tools
  mkdir -p "$CACHE/logs"
  exec 9>"$CACHE/build.lock"
  if ! flock -n 9; then
    log "another build holds $CACHE/build.lock; waiting for it"
    flock 9
  fi
  if [[ -f $OUT/done && ${FORCE:-0} != 1 ]]; then
    echo "test images up to date (built meanwhile): $OUT" >&2
    return 0
  fi
  STAGE=$OUT.building
  WORK=$CACHE/work
  LAYOUT=$STAGE/oci
  APT_ARCHIVES=$CACHE/apt/archives
  APT_LISTS=$CACHE/apt/lists
  LOG=$CACHE/logs/images-${hash:0:16}.log
  : >"$LOG"
  trap cleanup EXIT
  safe_rm "$STAGE" "$WORK"
  mkdir -p "$STAGE/expected" "$STAGE/archives" "$WORK"
  log "building test images into $OUT (log: $LOG)"

  debootstrap_base
  umoci init --layout "$LAYOUT"
  build_minbase
  build_python
  build_multilayer
  build_nodeapp
  build_tree_image alpine-3.10 "COPY alpine-3.10 / (etc/os-release, etc/alpine-release, lib/apk/db/installed)"
  build_tree_image alpine-3.11 "COPY alpine-3.11 / (etc/os-release, etc/alpine-release, lib/apk/db/installed)"
  build_tree_image rpm-sqlite "COPY rpm-sqlite / (CBL-Mariner 2.0 rpmdb.sqlite)"
  build_tree_image rpm-ndb "COPY rpm-ndb / (SLE 15 SP3 Packages.db, /var/lib/rpm -> ../../usr/lib/sysimage/rpm)"
  build_tree_image rpm-bdb "COPY rpm-bdb / (RHEL 8.8 BerkeleyDB Packages)"
  build_tree_image distroless-deb "COPY distroless-deb / (var/lib/dpkg/status.d only)"
  retarget_distroless
  umoci gc --layout "$LAYOUT" # before the index: its second manifest is not a tag of its own
  build_multiarch

  log "expected results"
  local tag
  for tag in $(jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$LAYOUT/index.json"); do
    write_expected_json "$tag"
  done
  rpm_expected rpm-sqlite "$REPO/$TESTDATA/rpm-sqlite/var/lib/rpm" sqlite
  rpm_expected rpm-bdb "$REPO/$TESTDATA/rpm-bdb/var/lib/rpm" bdb_ro
  apk_expected alpine-3.10 "$REPO/$TESTDATA/alpine-3.10/lib/apk/db/installed"
  apk_expected alpine-3.11 "$REPO/$TESTDATA/alpine-3.11/lib/apk/db/installed"
  distroless_expected
  export_archives
  write_summary

  echo "$hash" >"$STAGE/recipe.sha256"
  recipe_inputs >"$STAGE/recipe.inputs"
  printf 'built %s in %ss, recipe %s\n' "$(date -u +%FT%TZ)" "$((SECONDS - T0))" "$hash" >"$STAGE/done"
  [[ -e $OUT ]] && safe_rm "$OUT" # FORCE=1
  mv "$STAGE" "$OUT"
  STAGE=
  touch "$OUT/last-used"
  prune_old
  log "done: $OUT"
  if command -v column >/dev/null; then column -t -s $'\t' "$OUT/expected/images.tsv"; else cat "$OUT/expected/images.tsv"; fi >&2
}

case ${1:-build} in
  build) build ;;
  print-dir) images_dir "$(recipe_hash)" ;;
  print-hash) recipe_hash ;;
  inputs) recipe_inputs ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
