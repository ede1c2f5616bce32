#!/usr/bin/env python3
"""The independent Alpine check (written for Vigil's matching accuracy tests).

Reads JSON on stdin: {"secdb": [<secdb document>...], "release": "v3.11",
"installed": [{"name", "version", "origin"}...]} and prints JSON: the expected findings
[{"binary", "id", "origin", "version", "fixed"}...] and the decisions behind them.

No reference apk tool exists on this machine (Debian 12 does not package apk-tools), so the
version comparison below is a separate, small implementation of apk-tools' rules written from
their description (apk-tools src/version.c; Gentoo PMS section 3.2 "Version Comparison", which
apk follows): numeric components (the first compared as a number; later ones with a leading zero
compared as decimal fractions), an optional letter, suffixes (_alpha < _beta < _pre < _rc <
none < _cvs < _svn < _git < _hg < _p, each with an optional number), then -rN. It shares no code
with Vigil.

Secdb semantics: `secfixes` maps "<first version in the release with the fix>" to ids; an
installed package built from origin O is affected by an id listed under O for its release when
its version is lower than that fixed version. "0" means never affected. An id listed under
several versions is fixed by the LOWEST of them (the first build that carried the fix). An entry
is "<id>" optionally followed by text; a placeholder id (`CVE-????-?????`) followed by another
id stands for that id.
"""
import json
import re
import sys

VERSION = re.compile(
    r"^(?P<nums>\d+(?:\.\d+)*)(?P<letter>[a-z]?)(?P<suffixes>(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)"
    r"(?:~[0-9a-f]+)?(?:-r(?P<rev>\d+))?$"
)
SUFFIX_ORDER = {"alpha": -4, "beta": -3, "pre": -2, "rc": -1, "cvs": 1, "svn": 2, "git": 3, "hg": 4, "p": 5}


def parse(v):
    m = VERSION.match(v)
    if not m:
        raise ValueError(f"not an apk version: {v!r}")
    suffixes = [
        (SUFFIX_ORDER[s.group(1)], int(s.group(2) or 0))
        for s in re.finditer(r"_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)", m.group("suffixes"))
    ]
    return m.group("nums").split("."), m.group("letter"), suffixes, int(m.group("rev") or 0)


def cmp(a, b):
    return (a > b) - (a < b)


def compare_component(i, x, y):
    if i > 0 and (x.startswith("0") or y.startswith("0")):
        # PMS 3.3: a leading zero makes the component a decimal fraction
        return cmp(x.rstrip("0"), y.rstrip("0"))
    return cmp(int(x), int(y))


def compare(a, b):
    na, la, sa, ra = parse(a)
    nb, lb, sb, rb = parse(b)
    for i in range(min(len(na), len(nb))):
        c = compare_component(i, na[i], nb[i])
        if c:
            return c
    if len(na) != len(nb):
        return cmp(len(na), len(nb))
    if la != lb:
        return cmp(la, lb)
    for i in range(max(len(sa), len(sb))):
        x = sa[i] if i < len(sa) else (0, 0)
        y = sb[i] if i < len(sb) else (0, 0)
        c = cmp(x, y)
        if c:
            return c
    return cmp(ra, rb)


ID = re.compile(r"^(?:CVE-\d{4}-\d+|[A-Z][A-Za-z0-9]*-[A-Za-z0-9._:-]+)$")


def ids_of(entry):
    tokens = entry.split()
    if not tokens:
        return []
    if tokens[0].startswith("CVE-????") and len(tokens) > 1 and ID.match(tokens[1]):
        return [tokens[1]]
    return [tokens[0]] if ID.match(tokens[0]) else []


def main():
    data = json.load(sys.stdin)
    release = data["release"]
    fixes = {}  # (origin, id) -> lowest fixed version
    for document in data["secdb"]:
        if document.get("distroversion") != release:
            continue
        for p in document["packages"]:
            origin = p["pkg"]["name"]
            for fixed, entries in p["pkg"].get("secfixes", {}).items():
                for entry in entries:
                    for vid in ids_of(entry):
                        key = (origin, vid)
                        known = fixes.get(key)
                        if known is None or fixed == "0" or (known != "0" and compare(fixed, known) < 0):
                            fixes[key] = fixed
    findings = []
    for pkg in data["installed"]:
        for (origin, vid), fixed in sorted(fixes.items()):
            if origin != pkg["origin"] or fixed == "0":
                continue
            if compare(pkg["version"], fixed) < 0:
                findings.append(
                    {"binary": pkg["name"], "id": vid, "origin": origin, "version": pkg["version"], "fixed": fixed}
                )
    json.dump({"findings": findings, "compared": len(fixes)}, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1:] == ["--compare"]:
        # one "a b" pair per line on stdin -> -1, 0 or 1 per line (for the helper's own tests)
        for line in sys.stdin:
            a, b = line.split()
            print(compare(a, b))
    else:
        main()
