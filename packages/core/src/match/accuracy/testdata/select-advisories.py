#!/usr/bin/env python3
"""Select the advisory records the matching accuracy tests use (written for Vigil).

Usage: python3 select-advisories.py <images-dir> <shared-data-dir>
  <images-dir>       the built test images (bash scripts/test-env/build-images.sh print-dir)
  <shared-data-dir>  shared/data (holds advisories/osv/Debian/all.zip, advisories/alpine-secdb-json/)

Writes, next to this script:
- debian-osv.jsonl.gz: every member of advisories/osv/Debian/all.zip whose record has an
  `affected` entry (any release) named after a source OR binary package of the minbase, python
  or multilayer images (expected/<tag>.dpkg-query.tsv), one JSON line {"name", "content"} per
  member, `content` byte for byte, in member-name order. Binary names are included so that a
  record keyed by a name that is only a binary name here would show up as a false match.
- alpine-secdb/<release>/<repo>.json for v3.10 and v3.11, main and community: the secdb
  documents with their header unchanged and `packages` cut down to the entries named after an
  origin or a package name of the alpine-3.10 / alpine-3.11 images (expected/<tag>.apk.tsv).
"""
import gzip
import json
import os
import sys
import zipfile

here = os.path.dirname(os.path.abspath(__file__))
images, shared = sys.argv[1], sys.argv[2]
expected = os.path.join(images, "expected")

deb_names = set()
for tag in ("minbase", "python", "multilayer"):
    with open(os.path.join(expected, f"{tag}.dpkg-query.tsv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 4:
                deb_names.add(cols[1].split(":")[0])
                deb_names.add(cols[3])

lines = []
with zipfile.ZipFile(os.path.join(shared, "advisories/osv/Debian/all.zip")) as z:
    for name in sorted(z.namelist()):
        data = z.read(name)
        record = json.loads(data)
        names = {a["package"]["name"] for a in record.get("affected", []) if "package" in a}
        if names & deb_names:
            lines.append(json.dumps({"name": name, "content": data.decode("utf-8")}, ensure_ascii=False))
with gzip.GzipFile(os.path.join(here, "debian-osv.jsonl.gz"), "wb", compresslevel=9, mtime=0) as out:
    out.write(("\n".join(lines) + "\n").encode("utf-8"))
print(f"debian-osv.jsonl.gz: {len(lines)} records for {len(deb_names)} package names")

apk_names = set()
for tag in ("alpine-3.10", "alpine-3.11"):
    with open(os.path.join(expected, f"{tag}.apk.tsv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            apk_names.update(c for c in (cols[0], cols[3] if len(cols) > 3 else "") if c)
for release in ("v3.10", "v3.11"):
    for repo in ("main", "community"):
        with open(os.path.join(shared, "advisories/alpine-secdb-json", release, f"{repo}.json"), encoding="utf-8") as f:
            document = json.load(f)
        document["packages"] = [p for p in document["packages"] if p["pkg"]["name"] in apk_names]
        os.makedirs(os.path.join(here, "alpine-secdb", release), exist_ok=True)
        with open(os.path.join(here, "alpine-secdb", release, f"{repo}.json"), "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, ensure_ascii=False)
            f.write("\n")
        print(f"alpine-secdb/{release}/{repo}.json: {len(document['packages'])} packages")
