#!/usr/bin/env bash
# Regenerates the synthetic rpm databases in this folder. Needs Debian's rpm (4.18: rpmbuild,
# rpm with the sqlite backend, rpmkeys), gpg, sqlite3 and db5.3_load (package db5.3-util).
#
# What they exercise that the upstream fixtures do not:
#   - an explicit Epoch (3) and an explicit Epoch 0, a subpackage whose source RPM has another
#     name, a Vendor, a ModularityLabel, and a header larger than 64 KiB (overflow pages at every
#     page size);
#   - an imported OpenPGP key, which `rpm -qa` lists as a `gpg-pubkey` pseudo-package;
#   - SQLite at page sizes 512 and 65536 (with reserved bytes; Packages table only), in
#     UTF-16be, with a rollback journal instead of rpm's WAL;
#   - BerkeleyDB hash files written by Berkeley DB itself, little-endian with 512-byte pages and
#     two keys per bucket (many buckets and spare points, long overflow chains) and big-endian
#     (as written on s390x/ppc64).
# rpm-qa.tsv is what rpm itself lists for rpmdb.sqlite.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
top=$work/top
db=$work/db
mkdir -p "$top/SPECS" "$db"

description=$(for i in $(seq 1 1200); do echo "Line $i of a description long enough to spill the header over 64 KiB."; done)

cat > "$top/SPECS/vigil-base.spec" <<SPEC
Name: vigil-base
Epoch: 3
Version: 1.2.3
Release: 4.vg1
Summary: Vigil test package with an epoch
License: MIT AND (Apache-2.0 OR BSD-3-Clause)
Vendor: Vigil Test Vendor
%description
$description
%package libs
Summary: Library subpackage of vigil-base
%description libs
A subpackage: its source RPM is vigil-base.
%files
%files libs
SPEC

cat > "$top/SPECS/vigil-zero.spec" <<'SPEC'
Name: vigil-zero
Epoch: 0
Version: 0.9
Release: 1
Summary: Vigil test package with an explicit epoch 0
License: GPL-2.0-only
BuildArch: noarch
%description
Explicit Epoch: 0.
%files
SPEC

for n in $(seq -w 1 20); do
  cat > "$top/SPECS/vigil-plain-$n.spec" <<SPEC
Name: vigil-plain-$n
Version: $n.0
Release: 1
Summary: Plain Vigil test package $n
License: BSD-2-Clause
%description
Plain package $n without epoch or vendor.
%files
SPEC
done

for spec in "$top"/SPECS/*.spec; do
  extra=()
  case $spec in *vigil-base.spec) extra=(--define "modularitylabel vigil:3:20240101000000:0badc0de") ;; esac
  rpmbuild --quiet --define "_topdir $top" "${extra[@]}" -bb "$spec" >/dev/null
done

rpm --dbpath "$db" --initdb
rpm --dbpath "$db" -i --justdb --nodeps --noscripts --notriggers --ignorearch --ignoreos "$top"/RPMS/*/*.rpm

export GNUPGHOME=$work/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'Vigil Test Key <test@vigil.invalid>' rsa2048 sign never
gpg --batch --armor --export > "$work/key.asc"
rpmkeys --dbpath "$db" --import "$work/key.asc"

qf='%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\t%|EPOCH?{%{EPOCH}}:{}|\t%|VENDOR?{%{VENDOR}}:{}|\t%|MODULARITYLABEL?{%{MODULARITYLABEL}}:{}|\n'
rpm --dbpath "$db" -qa --qf "$qf" | LC_ALL=C sort > "$here/rpm-qa.tsv"

sqlite3 "$db/rpmdb.sqlite" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
cp "$db/rpmdb.sqlite" "$here/rpmdb.sqlite"
dump=$(sqlite3 "$db/rpmdb.sqlite" .dump)
rm -f "$here"/rpmdb-*.sqlite
{ echo "PRAGMA page_size=512;"; echo "$dump"; } | sqlite3 "$here/rpmdb-page512.sqlite"
# Only the Packages table at 64 KiB pages: every index table would cost a 64 KiB page.
{ echo "PRAGMA page_size=65536;"; sqlite3 "$db/rpmdb.sqlite" ".dump Packages"; } | sqlite3 "$here/rpmdb-page65536-reserved32.sqlite"
sqlite3 "$here/rpmdb-page65536-reserved32.sqlite" ".filectrl reserve_bytes 32" "VACUUM;" >/dev/null
{ echo "PRAGMA encoding='UTF-16be';"; echo "$dump"; } | sqlite3 "$here/rpmdb-utf16be.sqlite"

# BerkeleyDB: the same header blobs keyed by header number in the file's byte order, plus
# rpm's key 0 (the next header instance number).
bdb() { # $1 = le|be, $2 = page size, $3 = fill factor (keys per bucket), $4 = output
  local lorder=1234
  [ "$1" = be ] && lorder=4321
  {
    printf 'VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=%s\ndb_lorder=%s\nh_ffactor=%s\nHEADER=END\n' \
      "$2" "$lorder" "$3"
    sqlite3 -separator ' ' "$db/rpmdb.sqlite" "SELECT hnum, hex(blob) FROM Packages UNION ALL SELECT 0, printf('%08X', (SELECT max(hnum) + 1 FROM Packages)) ORDER BY 1;" |
      while read -r hnum hex; do
        if [ "$1" = be ]; then key=$(printf '%08x' "$hnum"); else key=$(printf '%08x' "$hnum" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/'); fi
        if [ "$hnum" = 0 ] && [ "$1" = le ]; then hex=$(echo "$hex" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/'); fi
        printf ' %s\n %s\n' "$key" "$(echo "$hex" | tr 'A-F' 'a-f')"
      done
    echo DATA=END
  } | db5.3_load "$4"
}
rm -f "$here"/Packages-*
bdb le 512 2 "$here/Packages-le-page512"
bdb be 4096 40 "$here/Packages-be"
