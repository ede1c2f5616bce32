#!/usr/bin/env python3
"""Selects the real OSV records of osv-excerpt/ from the shared data's bulk exports.

Per ecosystem zip: for every feature the records show (range types, event kinds, ecosystem
suffixes, withdrawn, no affected, offset timestamps, ...), the smallest record with it (up
to 20 KiB); then records spread evenly over the member list (up to 6 KiB) until there are
30. Each member is copied byte for byte: one JSON line {"name", "content"} per member.

Usage: python3 select-excerpt.py /path/to/shared/data/advisories/osv
Run by hand when the excerpt is refreshed, never by the tests (they must not read shared/).
"""
import json
import re
import sys
import zipfile

ECOSYSTEMS = {"Debian": "debian", "Go": "go", "PyPI": "pypi", "Red Hat": "red-hat", "Ubuntu": "ubuntu", "crates.io": "crates-io"}
GIT_HASH = re.compile(r"^(0|[a-f0-9]{40}|[a-f0-9]{64})$")
PER_ZIP = 30


def features(record):
    found = set()
    if "withdrawn" in record:
        found.add("withdrawn")
    if not record.get("affected"):
        found.add("no-affected")
    if not record["modified"].endswith("Z"):
        found.add("offset-timestamp")
    for key in ("aliases", "upstream", "related", "credits", "database_specific"):
        if record.get(key):
            found.add(key)
    for severity in record.get("severity") or []:
        found.add("severity:" + severity["type"])
    for affected in record.get("affected") or []:
        found.add("ecosystem:" + affected["package"]["ecosystem"])
        for key in ("versions", "ecosystem_specific", "database_specific", "severity"):
            if key in affected:
                found.add("affected." + key)
        for rng in affected.get("ranges") or []:
            found.add("range:" + rng["type"])
            kinds = {k for event in rng["events"] for k in event}
            found.update("event:" + k for k in kinds)
            if not kinds & {"fixed", "last_affected", "limit"}:
                found.add("unfixed")
            if rng["type"] == "GIT" and any(not GIT_HASH.match(v) for e in rng["events"] for v in e.values()):
                found.add("git-short-hash")
    return found


def main(base):
    for ecosystem, slug in ECOSYSTEMS.items():
        with zipfile.ZipFile(f"{base}/{ecosystem}/all.zip") as z:
            infos = sorted(z.infolist(), key=lambda i: i.filename)
            contents = {i.filename: z.read(i) for i in infos}
        by_feature = {}
        for info in sorted(infos, key=lambda i: (i.file_size, i.filename)):
            if info.file_size > 20 * 1024:
                continue
            for feature in features(json.loads(contents[info.filename])):
                by_feature.setdefault(feature, info.filename)
        chosen = set(by_feature.values())
        small = [i.filename for i in infos if i.file_size <= 6 * 1024 and i.filename not in chosen]
        step = max(1, len(small) // max(1, PER_ZIP - len(chosen)))
        for name in small[::step]:
            if len(chosen) >= PER_ZIP:
                break
            chosen.add(name)
        with open(f"osv-excerpt/{slug}.jsonl", "w", encoding="utf-8") as out:
            for name in sorted(chosen):
                out.write(json.dumps({"name": name, "content": contents[name].decode("utf-8")}, ensure_ascii=False) + "\n")
        print(ecosystem, len(chosen), sorted(by_feature))


if __name__ == "__main__":
    main(sys.argv[1])
