#!/usr/bin/env python3
"""Convert the Node.js security WG's legacy npm advisories to OSV records (written for Vigil).

Usage: convert-nswg.py <shared/data dir> <package-lock.json> <out.jsonl>

Keeps the records whose module_name is a package of the lockfile (non-dev `node_modules/`
entries) and writes one OSV record a line, sorted by id. `vulnerable_versions` is turned into
SEMVER ranges only when every `||` alternative has one of these exact forms (X a full
MAJOR.MINOR.PATCH, or MAJOR / MAJOR.MINOR after `>=` and `<`, which node-semver pads with 0):

  <X            -> introduced 0, fixed X
  <=X           -> introduced 0, last_affected X
  >=A <B        -> introduced A, fixed B
  >=A <=B       -> introduced A, last_affected B
  >=A           -> introduced A

Any other form (`>X`, `^`, `~`, `x`, hyphen ranges, `<=` with a partial version, pre-release
tags) is skipped and listed on stderr. One range per alternative, so `fixed` and
`last_affected` never share a range.
"""

import json
import re
import sys
from pathlib import Path

FULL = re.compile(r"^\d+\.\d+\.\d+$")
PARTIAL = re.compile(r"^\d+(?:\.\d+)?$")


def pad(version, allow_partial):
    if FULL.match(version):
        return version
    if allow_partial and PARTIAL.match(version):
        return ".".join((version.split(".") + ["0", "0"])[:3])
    return None


def comparators(alternative):
    # node-semver allows a space between the operator and the version: "< 0.8.4", ">= 4".
    text = re.sub(r"(<=|>=|<|>|=)\s+", r"\1", alternative.strip())
    out = []
    for part in text.split():
        m = re.match(r"^(<=|>=|<)(.+)$", part)
        if not m:
            return None
        op, raw = m.groups()
        version = pad(raw, allow_partial=op in (">=", "<"))
        if version is None:
            return None
        out.append((op, version))
    return out


def to_events(alternative):
    cs = comparators(alternative)
    if not cs:
        return None
    lower = [v for op, v in cs if op == ">="]
    upper = [(op, v) for op, v in cs if op in ("<", "<=")]
    if len(lower) > 1 or len(upper) > 1 or len(cs) != len(lower) + len(upper):
        return None
    events = [{"introduced": lower[0] if lower else "0"}]
    if upper:
        op, v = upper[0]
        events.append({"fixed": v} if op == "<" else {"last_affected": v})
    return events


def convert(record):
    alternatives = record["vulnerable_versions"].split("||")
    ranges = []
    for alternative in alternatives:
        events = to_events(alternative)
        if events is None:
            return None
        ranges.append({"type": "SEMVER", "events": events})
    ident = f"NSWG-ECO-{record['id']}"
    out = {
        "schema_version": "1.6.0",
        "id": ident,
        "modified": f"{record['updated_at']}T00:00:00Z",
        "published": f"{record['publish_date'] or record['created_at']}T00:00:00Z",
        "summary": record["title"],
        "details": record.get("overview") or "",
    }
    if record.get("cves"):
        out["aliases"] = list(record["cves"])
    if record.get("cvss_vector", "").startswith("CVSS:3"):
        out["severity"] = [{"type": "CVSS_V3", "score": record["cvss_vector"]}]
    out["affected"] = [
        {
            "package": {"ecosystem": "npm", "name": record["module_name"], "purl": f"pkg:npm/{record['module_name']}"},
            "ranges": ranges,
            "database_specific": {
                "vulnerable_versions": record["vulnerable_versions"],
                "patched_versions": record.get("patched_versions"),
            },
        }
    ]
    refs = [{"type": "ADVISORY", "url": f"https://github.com/nodejs/security-wg/blob/main/vuln/npm/{record['id']}.json"}]
    refs += [{"type": "WEB", "url": url} for url in record.get("references") or [] if url]
    out["references"] = refs
    return out


def main():
    shared, lockfile, target = (Path(a) for a in sys.argv[1:4])
    lock = json.loads(lockfile.read_text())
    names = {
        key.split("node_modules/")[-1]
        for key, entry in lock["packages"].items()
        if key.startswith("node_modules/") and not entry.get("dev")
    }
    records, skipped = [], []
    for path in sorted((shared / "advisories/nodejs-security-wg/vuln/npm").glob("*.json")):
        record = json.loads(path.read_text())
        if not isinstance(record, dict) or record.get("module_name") not in names:
            continue
        osv = convert(record)
        if osv is None:
            skipped.append(f"{path.name} {record['module_name']} {record['vulnerable_versions']!r}")
        else:
            records.append(osv)
    records.sort(key=lambda r: int(r["id"].rsplit("-", 1)[1]))
    target.write_text("".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in records))
    print(f"wrote {len(records)} records to {target}", file=sys.stderr)
    for line in skipped:
        print(f"skipped (range form not converted exactly): {line}", file=sys.stderr)


if __name__ == "__main__":
    main()
