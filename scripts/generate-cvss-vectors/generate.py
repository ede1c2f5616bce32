#!/usr/bin/env python3
"""Generate CVSS vector -> base score test data with reference implementations as oracles.

Vigil's CVSS scorers (packages/core/src/advisory/cvss/) are tested against other
implementations' output rather than against our own reading of the specifications:

  v2, v3.0, v3.1  Debian's ruby-cvss-suite (CvssSuite, `apt-get install -y ruby-cvss-suite`)
                  and the two npm implementations below must all agree, or the run stops;
                  one exception: cvss-suite caps the v2 base Impact at 10 against the v2
                  guide, so on v2 vectors with C:C/I:C/A:C the npm implementations decide.
  v4.0            Debian ships no CVSS v4 implementation, so two independent npm packages
                  are the oracles: @pandatix/js-cvss 0.4.4 (MIT) and ae-cvss-calculator
                  1.0.13 (Apache-2.0), installed into a scratch directory with
                  `npm install --prefix`, never into the project. A third voter is this
                  script's exact (fractions) transcription of the algorithm; all three must
                  agree, except on scores that are exact ties x.x5, which js-cvss 0.4.4 rounds
                  down by floating-point noise (see exact_v4_base_score).

What is written to --out (packages/core/src/advisory/cvss/testdata):

  cvss2-generated.txt    every v2 base vector (729), then random vectors with temporal and
                         environmental metrics
  cvss30-generated.txt   every v3.0 base vector (2,592), then random vectors with temporal and
                         environmental metrics, some in shuffled order
  cvss31-generated.txt   the same for v3.1
  cvss40-generated.txt   random v4.0 base vectors covering every MacroVector a base vector can
                         have, then random vectors with threat, environmental and supplemental
                         metrics (the expected value is still CVSS-B: the base score)
  cvss40-all-base.txt    the CVSS-B score of all 104,976 v4.0 base vectors, compactly (see its
                         header)
  osv-vectors.txt        every distinct CVSS_V3 / CVSS_V4 vector in the Red Hat, Ubuntu, Go,
                         PyPI and crates.io OSV zips (top-level, affected[] and
                         database_specific.cves[] severities), with the oracles' score

Lines are `<vector> <TAB> <score>` (osv-vectors.txt adds a third column: the zips it was
found in); `#` starts a comment line. The sampling is seeded, so a rerun with the same data
and oracles gives the same files. The script also checks the MacroVector table transcribed in
cvss-v4-macro-vectors.ts against @pandatix/js-cvss's copy, entry by entry.

Usage (as root on Debian 12):

  apt-get install -y ruby-cvss-suite nodejs npm
  /usr/bin/python3 scripts/generate-cvss-vectors/generate.py \\
      --advisories ../shared/data/advisories/osv \\
      --out packages/core/src/advisory/cvss/testdata
"""

import argparse
import itertools
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from fractions import Fraction

SEED = 20261129
ORACLE_PACKAGES = ["@pandatix/js-cvss@0.4.4", "ae-cvss-calculator@1.0.13"]
HERE = os.path.dirname(os.path.abspath(__file__))
MACRO_TABLE_TS = os.path.join(
    HERE, "..", "..", "packages", "core", "src", "advisory", "cvss", "cvss-v4-macro-vectors.ts"
)

V2_BASE = [("AV", "LAN"), ("AC", "HML"), ("Au", "MSN"), ("C", "NPC"), ("I", "NPC"), ("A", "NPC")]
V2_OPTIONAL = [
    ("E", ["U", "POC", "F", "H", "ND"]),
    ("RL", ["OF", "TF", "W", "U", "ND"]),
    ("RC", ["UC", "UR", "C", "ND"]),
    ("CDP", ["N", "L", "LM", "MH", "H", "ND"]),
    ("TD", ["N", "L", "M", "H", "ND"]),
    ("CR", ["L", "M", "H", "ND"]),
    ("IR", ["L", "M", "H", "ND"]),
    ("AR", ["L", "M", "H", "ND"]),
]
V3_BASE = [
    ("AV", "NALP"), ("AC", "LH"), ("PR", "NLH"), ("UI", "NR"),
    ("S", "UC"), ("C", "HLN"), ("I", "HLN"), ("A", "HLN"),
]
V3_OPTIONAL = [
    ("E", "XUPFH"), ("RL", "XOTWU"), ("RC", "XURC"), ("CR", "XLMH"), ("IR", "XLMH"),
    ("AR", "XLMH"), ("MAV", "XNALP"), ("MAC", "XLH"), ("MPR", "XNLH"), ("MUI", "XNR"),
    ("MS", "XUC"), ("MC", "XNLH"), ("MI", "XNLH"), ("MA", "XNLH"),
]
V4_BASE = [
    ("AV", "NALP"), ("AC", "LH"), ("AT", "NP"), ("PR", "NLH"), ("UI", "NPA"),
    ("VC", "HLN"), ("VI", "HLN"), ("VA", "HLN"), ("SC", "HLN"), ("SI", "HLN"), ("SA", "HLN"),
]
V4_OPTIONAL = [
    ("E", ["X", "A", "P", "U"]), ("CR", ["X", "H", "M", "L"]), ("IR", ["X", "H", "M", "L"]),
    ("AR", ["X", "H", "M", "L"]), ("MAV", ["X", "N", "A", "L", "P"]), ("MAC", ["X", "L", "H"]),
    ("MAT", ["X", "N", "P"]), ("MPR", ["X", "N", "L", "H"]), ("MUI", ["X", "N", "P", "A"]),
    ("MVC", ["X", "H", "L", "N"]), ("MVI", ["X", "H", "L", "N"]), ("MVA", ["X", "H", "L", "N"]),
    ("MSC", ["X", "H", "L", "N"]), ("MSI", ["X", "S", "H", "L", "N"]),
    ("MSA", ["X", "S", "H", "L", "N"]), ("S", ["X", "N", "P"]), ("AU", ["X", "N", "Y"]),
    ("R", ["X", "A", "U", "I"]), ("V", ["X", "D", "C"]), ("RE", ["X", "L", "M", "H"]),
    ("U", ["X", "Clear", "Green", "Amber", "Red"]),
]

RUBY_ORACLE = r"""
require "cvss_suite"
STDIN.each_line do |line|
  vector = line.chomp
  cvss = CvssSuite.new(vector)
  puts(cvss.valid? ? format("%.1f", cvss.base_score) : "invalid")
end
"""

NODE_ORACLE = r"""
import { createInterface } from "node:readline";
import { createRequire } from "node:module";
const dir = process.argv[2];
const require = createRequire(dir + "/package.json");
const ae = require("ae-cvss-calculator");
const pj = {
  "2.0": (await import(dir + "/pj/cvss20.mjs")).CVSS20,
  "3.0": (await import(dir + "/pj/cvss30.mjs")).CVSS30,
  "3.1": (await import(dir + "/pj/cvss31.mjs")).CVSS31,
  "4.0": (await import(dir + "/pj/cvss40.mjs")).CVSS40,
};
const aeClass = { "2.0": ae.Cvss2, "3.0": ae.Cvss3P0, "3.1": ae.Cvss3P1, "4.0": ae.Cvss4P0 };
const fmt = (n) => (Math.round(n * 10) / 10).toFixed(1);
for await (const line of createInterface({ input: process.stdin })) {
  const [version, vector, baseOnly] = line.split("\t");
  let a, b;
  try {
    const v = new pj[version](baseOnly);
    a = fmt(version === "4.0" ? v.Score() : v.BaseScore());
  } catch (e) { a = "invalid"; }
  try {
    const s = new aeClass[version](vector).calculateScores();
    b = fmt(version === "4.0" ? s.baseMetricsOnly : s.base);
  } catch (e) { b = "invalid"; }
  console.log(a + "\t" + b);
}
"""


def run_ruby(vectors):
    out = subprocess.run(
        ["ruby", "-e", RUBY_ORACLE], input="\n".join(vectors) + "\n",
        capture_output=True, text=True, check=True,
    ).stdout.split("\n")
    # cvss-suite computes a zero-impact v2 score as (... - 1.5) x 0 and prints it as -0.0.
    return ["0.0" if score == "-0.0" else score for score in out[: len(vectors)]]


def install_node_oracles(directory):
    """npm-installs the two oracle packages into a scratch directory (not the project)."""
    subprocess.run(
        ["npm", "install", "--prefix", directory, "--no-save", "--no-audit", "--no-fund",
         *ORACLE_PACKAGES],
        check=True, capture_output=True,
    )
    # @pandatix/js-cvss 0.4.4 ships ESM whose relative imports lack the `.js` extension that
    # Node requires; copy its modules with the specifiers completed (code is not changed).
    source = os.path.join(directory, "node_modules", "@pandatix", "js-cvss", "dist")
    target = os.path.join(directory, "pj")
    os.makedirs(target, exist_ok=True)
    for name in ["cvss20", "cvss30", "cvss31", "cvss40", "errors"]:
        with open(os.path.join(source, name + ".js")) as f:
            text = f.read().replace("from './errors'", "from './errors.mjs'")
        with open(os.path.join(target, name + ".mjs"), "w") as f:
            f.write(text)


def run_node(directory, items):
    """items: (version, vector, base-only vector) -> list of (pandatix score, ae score)."""
    script = os.path.join(directory, "oracle.mjs")
    with open(script, "w") as f:
        f.write(NODE_ORACLE)
    lines = "".join(f"{version}\t{vector}\t{base}\n" for version, vector, base in items)
    out = subprocess.run(
        ["node", script, directory], input=lines, capture_output=True, text=True, check=True,
    ).stdout.split("\n")
    return [tuple(line.split("\t")) for line in out[: len(items)]]


def score_all(oracle_dir, version, vectors, base_only=None):
    """Scores vectors with every oracle of the version; stops on any disagreement."""
    base_only = base_only or vectors
    node = run_node(oracle_dir, [(version, v, b) for v, b in zip(vectors, base_only)])
    ruby = run_ruby(vectors) if version != "4.0" else [None] * len(vectors)
    scores = []
    for vector, base, (pandatix, ae), rb in zip(vectors, base_only, node, ruby):
        if version == "2.0" and "C:C/I:C/A:C" in vector and rb != pandatix:
            # cvss-suite 3.1.0 caps the v2 base Impact at 10, a cap the v2 guide puts only in
            # the environmental equation (AdjustedImpact, section 3.2.3); the base Impact of
            # C:C/I:C/A:C is 10.41 x (1 - 0.34^3) = 10.0008. NVD scores those vectors by the
            # guide (AV:L/AC:L/Au:N/C:C/I:C/A:C is 7.2, cvss-suite says 7.1), so cvss-suite is
            # left out of the vote for them.
            rb = None
            DEVIATIONS.append(vector)
        found = {pandatix, ae} | ({rb} if rb is not None else set())
        if version == "4.0":
            exact = exact_v4_base_score(base)
            if pandatix != ae and ae == exact and round(float(ae) - float(pandatix), 1) == 0.1:
                TIES.append(vector)  # the tie described above exact_v4_base_score
                found = {ae}
            found.add(exact)
        if len(found) != 1 or "invalid" in found:
            sys.exit(f"oracles disagree on {vector}: cvss-suite={rb} js-cvss={pandatix} ae={ae} exact={found}")
        scores.append(found.pop())
    return scores


DEVIATIONS = []
TIES = []


def product(metrics):
    for values in itertools.product(*[list(v) for _, v in metrics]):
        yield [f"{name}:{value}" for (name, _), value in zip(metrics, values)]


def random_optional(rng, optional, probability):
    return [f"{name}:{rng.choice(list(values))}" for name, values in optional if rng.random() < probability]


def v4_macro_vector(metrics):
    """EQ1..EQ6 of a base-only v4 vector (E, CR, IR, AR default to A, H, H, H)."""
    m = dict(part.split(":") for part in metrics)
    eq1 = 0 if m["AV"] == m["PR"] == m["UI"] == "N" else (
        1 if "N" in (m["AV"], m["PR"], m["UI"]) and m["AV"] != "P" else 2)
    eq2 = 0 if m["AC"] == "L" and m["AT"] == "N" else 1
    eq3 = 0 if m["VC"] == m["VI"] == "H" else (1 if "H" in (m["VC"], m["VI"], m["VA"]) else 2)
    eq4 = 1 if "H" in (m["SC"], m["SI"], m["SA"]) else 2
    eq6 = 0 if "H" in (m["VC"], m["VI"], m["VA"]) else 1
    return f"{eq1}{eq2}{eq3}{eq4}0{eq6}"


# Exact rational arithmetic of the CVSS v4.0 scoring algorithm (specification section 8.2),
# used as the third voter on v4 vectors. The two npm oracles disagree on the vectors whose
# interpolated score is exactly a tie x.x5: in floating point it comes out a hair below, and
# @pandatix/js-cvss 0.4.4 rounds that down, while ae-cvss-calculator lifts it by 1e-6 first,
# as FIRST's reference calculator has done since November 2024 (RedHatProductSecurity/
# cvss-v4-calculator issue #66, pull request #67). Fractions have no such noise, so this
# voter settles those ties by the specification's round half up.
V4_LEVELS = {
    "AV": {"N": 0, "A": 1, "L": 2, "P": 3}, "PR": {"N": 0, "L": 1, "H": 2},
    "UI": {"N": 0, "P": 1, "A": 2}, "AC": {"L": 0, "H": 1}, "AT": {"N": 0, "P": 1},
    "VC": {"H": 0, "L": 1, "N": 2}, "VI": {"H": 0, "L": 1, "N": 2}, "VA": {"H": 0, "L": 1, "N": 2},
    "SC": {"H": 1, "L": 2, "N": 3}, "SI": {"S": 0, "H": 1, "L": 2, "N": 3},
    "SA": {"S": 0, "H": 1, "L": 2, "N": 3}, "CR": {"H": 0, "M": 1, "L": 2},
    "IR": {"H": 0, "M": 1, "L": 2}, "AR": {"H": 0, "M": 1, "L": 2},
}
V4_HIGHEST = {
    1: {0: ["AV:N/PR:N/UI:N"], 1: ["AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"],
        2: ["AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"]},
    2: {0: ["AC:L/AT:N"], 1: ["AC:H/AT:N", "AC:L/AT:P"]},
    36: {"00": ["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"],
         "01": ["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"],
         "10": ["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"],
         "11": ["VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
                "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
                "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M"],
         "21": ["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"]},
    4: {0: ["SC:H/SI:S/SA:S"], 1: ["SC:H/SI:H/SA:H"], 2: ["SC:L/SI:L/SA:L"]},
    5: {0: ["E:A"], 1: ["E:P"], 2: ["E:U"]},
}
V4_DEPTH = {1: {0: 1, 1: 4, 2: 5}, 2: {0: 1, 1: 2}, 36: {"00": 7, "01": 6, "10": 8, "11": 8, "21": 10},
            4: {0: 6, 1: 5, 2: 4}, 5: {0: 1, 1: 1, 2: 1}}
MACRO_TABLE = {}


def exact_v4_base_score(vector):
    m = dict(part.split(":") for part in vector.split("/")[1:12])
    m.update(E="A", CR="H", IR="H", AR="H")
    if all(m[k] == "N" for k in ("VC", "VI", "VA", "SC", "SI", "SA")):
        return "0.0"
    eq = [int(d) for d in v4_macro_vector(vector.split("/")[1:12])]
    table = lambda e: MACRO_TABLE.get("".join(map(str, e)))
    value = table(eq)
    bump = lambda i: [level + (1 if j == i else 0) for j, level in enumerate(eq)]
    with36 = lambda a, b: [eq[0], eq[1], a, eq[3], eq[4], b]
    e3, e6 = eq[2], eq[5]
    if (e3, e6) == (0, 0):
        candidates = [s for s in (table(with36(0, 1)), table(with36(1, 0))) if s is not None]
        lower36 = max(candidates) if candidates else None
    elif (e3, e6) == (1, 0):
        lower36 = table(with36(1, 1))
    else:
        lower36 = table(with36(e3 + 1, e6))
    key36 = f"{e3}{e6}"
    candidates = itertools.product(V4_HIGHEST[1][eq[0]], V4_HIGHEST[2][eq[1]], V4_HIGHEST[36][key36],
                                   V4_HIGHEST[4][eq[3]], V4_HIGHEST[5][eq[4]])
    distance = None
    for parts in candidates:
        top = dict(p.split(":") for p in "/".join(parts).split("/"))
        distance = {k: V4_LEVELS[k][m[k]] - V4_LEVELS[k][v] for k, v in top.items() if k in V4_LEVELS}
        if min(distance.values()) >= 0:
            break
    total = lambda keys: sum(distance[k] for k in keys)
    sets = [
        (table(bump(0)), total(["AV", "PR", "UI"]), V4_DEPTH[1][eq[0]]),
        (table(bump(1)), total(["AC", "AT"]), V4_DEPTH[2][eq[1]]),
        (lower36, total(["VC", "VI", "VA", "CR", "IR", "AR"]), V4_DEPTH[36][key36]),
        (table(bump(3)), total(["SC", "SI", "SA"]), V4_DEPTH[4][eq[3]]),
        (table(bump(4)), 0, V4_DEPTH[5][eq[4]]),
    ]
    existing = [(value - lower) * Fraction(d, depth) for lower, d, depth in sets if lower is not None]
    score = value - (sum(existing) / len(existing) if existing else 0)
    score = min(Fraction(10), max(Fraction(0), score))
    tenths = math.floor(score * 10 + Fraction(1, 2))
    return f"{tenths // 10}.{tenths % 10}"


def write(path, header, rows):
    with open(path, "w") as f:
        for line in header:
            f.write(f"# {line}\n" if line else "#\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    print(f"wrote {path}: {len(rows)} rows")


def generate_v2(rng, oracle_dir, out):
    base = ["/".join(parts) for parts in product(V2_BASE)]
    extra = []
    while len(extra) < 2271:
        parts = [f"{name}:{rng.choice(values)}" for name, values in V2_BASE]
        # Whole groups only: @pandatix/js-cvss takes the v2 guide's "vector lists these metrics
        # in a predetermined order" to mean a temporal or environmental group is all or nothing.
        if rng.random() < 0.5:
            parts += [f"{name}:{rng.choice(values)}" for name, values in V2_OPTIONAL[:3]]
        if rng.random() < 0.5:
            parts += [f"{name}:{rng.choice(values)}" for name, values in V2_OPTIONAL[3:]]
        extra.append("/".join(parts))
    vectors = base + extra
    scores = score_all(oracle_dir, "2.0", vectors)
    write(os.path.join(out, "cvss2-generated.txt"), [
        "CVSS v2 vector -> base score, generated by scripts/generate-cvss-vectors/generate.py.",
        "Oracles: @pandatix/js-cvss 0.4.4 and ae-cvss-calculator 1.0.13, equal on every line, and",
        "Debian's ruby-cvss-suite 3.1.0 (CvssSuite#base_score), equal on every line except those",
        "with C:C/I:C/A:C, where it caps the base Impact at 10 against the v2 guide (see generate.py).",
        "First every base vector (729), then random vectors with temporal/environmental metrics.",
    ], list(zip(vectors, scores)))


def generate_v3(rng, oracle_dir, out, version):
    prefix = f"CVSS:{version}/"
    base = [prefix + "/".join(parts) for parts in product(V3_BASE)]
    extra = []
    while len(extra) < 1408:
        parts = [f"{name}:{rng.choice(values)}" for name, values in V3_BASE]
        parts += random_optional(rng, V3_OPTIONAL, 0.5)
        if rng.random() < 0.25:
            rng.shuffle(parts)  # order is free in v3 vectors; cvss-suite accepts any order
        extra.append(prefix + "/".join(parts))
    vectors = base + extra
    scores = score_all(oracle_dir, version, vectors)
    name = "cvss30-generated.txt" if version == "3.0" else "cvss31-generated.txt"
    write(os.path.join(out, name), [
        f"CVSS v{version} vector -> base score, generated by scripts/generate-cvss-vectors/generate.py.",
        "Oracle: Debian's ruby-cvss-suite 3.1.0 (CvssSuite#base_score), agreeing with",
        "@pandatix/js-cvss 0.4.4 and ae-cvss-calculator 1.0.13 on every line.",
        "First every base vector (2,592), then random vectors with temporal/environmental metrics",
        "(a quarter of them in shuffled order).",
    ], list(zip(vectors, scores)))


def generate_v4(rng, oracle_dir, out):
    prefix = "CVSS:4.0/"
    # Every MacroVector a base vector can have, at least 40 times, then uniform random ones.
    by_macro = {}
    for parts in product(V4_BASE):
        by_macro.setdefault(v4_macro_vector(parts), []).append(parts)
    chosen = []
    for macro in sorted(by_macro):
        candidates = by_macro[macro]
        chosen += rng.sample(candidates, min(40, len(candidates)))
    all_base = [p for group in by_macro.values() for p in group]
    while len(chosen) < 4000:
        chosen.append(rng.choice(all_base))
    base_vectors = [prefix + "/".join(parts) for parts in chosen]
    extended, extended_base = [], []
    for _ in range(1000):
        parts = rng.choice(all_base)
        extended_base.append(prefix + "/".join(parts))
        extended.append(prefix + "/".join(parts + random_optional(rng, V4_OPTIONAL, 0.4)))
    vectors = base_vectors + extended
    scores = score_all(oracle_dir, "4.0", vectors, base_vectors + extended_base)
    write(os.path.join(out, "cvss40-generated.txt"), [
        "CVSS v4.0 vector -> CVSS-B (base score), generated by scripts/generate-cvss-vectors/generate.py.",
        "Oracles: ae-cvss-calculator 1.0.13 (`baseMetricsOnly` of the full vector), generate.py's",
        "exact-arithmetic scorer, and @pandatix/js-cvss 0.4.4 (score of the base metrics), equal on",
        "every line but exact ties x.x5, which js-cvss rounds down (see generate.py).",
        f"First 4,000 base vectors: all {len(by_macro)} MacroVectors a base vector can have, up to",
        "40 vectors each, then uniform random ones; then 1,000 vectors with threat, environmental",
        "and supplemental metrics, whose expected value is still the base score.",
    ], list(zip(vectors, scores)))

    # All base vectors, compactly: one line per AV/AC/AT/PR/UI combination (144 lines), holding
    # the 729 scores of its VC/VI/VA/SC/SI/SA combinations, score x 10 as decimal numbers.
    every = [prefix + "/".join(parts) for parts in product(V4_BASE)]
    all_scores = score_all(oracle_dir, "4.0", every)
    rows = []
    for start in range(0, len(every), 729):
        head = every[start].split("/")[1:6]
        tens = [str(round(float(s) * 10)) for s in all_scores[start:start + 729]]
        rows.append(["/".join(head), ",".join(tens)])
    write(os.path.join(out, "cvss40-all-base.txt"), [
        "CVSS-B of every CVSS v4.0 base vector (104,976), generated by",
        "scripts/generate-cvss-vectors/generate.py: ae-cvss-calculator 1.0.13 and generate.py's exact",
        "scorer agree on every vector, @pandatix/js-cvss 0.4.4 on all but the exact ties x.x5.",
        "Line: AV/AC/AT/PR/UI values <TAB> 729 comma-separated scores x 10, one per combination of",
        "VC, VI, VA, SC, SI, SA in the order H, L, N for each, SA varying fastest",
        "(the first is VC:H/VI:H/VA:H/SC:H/SI:H/SA:H, the second ...SA:L).",
    ], rows)


def osv_vectors(advisories):
    found = {}
    for ecosystem in ["Red Hat", "Ubuntu", "Go", "PyPI", "crates.io"]:
        with zipfile.ZipFile(os.path.join(advisories, ecosystem, "all.zip")) as archive:
            for name in sorted(archive.namelist()):
                record = json.loads(archive.read(name))
                lists = [record.get("severity") or []]
                lists += [a.get("severity") or [] for a in record.get("affected") or []]
                lists += [c.get("severity") or [] for c in (record.get("database_specific") or {}).get("cves") or []]
                for severity in itertools.chain.from_iterable(lists):
                    if severity.get("type") in ("CVSS_V3", "CVSS_V4"):
                        found.setdefault(severity["score"], set()).add(ecosystem)
    return found


def generate_osv(oracle_dir, advisories, out):
    found = osv_vectors(advisories)
    rows = []
    for version_prefix, version in [("CVSS:3.0/", "3.0"), ("CVSS:3.1/", "3.1"), ("CVSS:4.0/", "4.0")]:
        vectors = sorted(v for v in found if v.startswith(version_prefix))
        base_only = ["/".join(v.split("/")[:12]) for v in vectors] if version == "4.0" else vectors
        scores = score_all(oracle_dir, version, vectors, base_only)
        rows += [(v, s, ",".join(sorted(found[v]))) for v, s in zip(vectors, scores)]
    unknown = [v for v in found if not v.startswith(("CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/"))]
    if unknown:
        sys.exit(f"unexpected vectors in the OSV data: {unknown[:5]}")
    write(os.path.join(out, "osv-vectors.txt"), [
        "Every distinct CVSS_V3 / CVSS_V4 vector of the Red Hat, Ubuntu, Go, PyPI and crates.io OSV zips",
        "of the offline data collection (top-level severity, affected[].severity and",
        "database_specific.cves[].severity), with its base score from the oracles of",
        "scripts/generate-cvss-vectors/generate.py (ruby-cvss-suite and two npm implementations",
        "for v3; two npm implementations and an exact scorer for v4). Third column: the zips it",
        "occurs in.",
    ], rows)


def check_macro_table(oracle_dir):
    with open(MACRO_TABLE_TS) as f:
        ours = {k: float(v) for k, v in re.findall(r'"(\d{6})": ([0-9.]+),', f.read())}
    with open(os.path.join(oracle_dir, "pj", "cvss40.mjs")) as f:
        theirs = {k: float(v) for k, v in re.findall(r"'(\d{6})':\s*([0-9.]+)", f.read())}
    MACRO_TABLE.update({k: Fraction(v) for k, v in re.findall(r'"(\d{6})": ([0-9.]+),', open(MACRO_TABLE_TS).read())})
    if len(ours) != 270 or ours != theirs:
        diff = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
        sys.exit(f"MacroVector table differs from @pandatix/js-cvss at {diff}")
    print("MacroVector table: 270 entries, equal to @pandatix/js-cvss's")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--advisories", required=True, help="folder holding <Ecosystem>/all.zip OSV exports")
    parser.add_argument("--out", required=True, help="testdata folder to write")
    parser.add_argument("--oracle-dir", help="reuse an npm prefix that already holds the oracles")
    args = parser.parse_args()
    oracle_dir = args.oracle_dir or tempfile.mkdtemp(prefix="cvss-oracles-")
    try:
        if not args.oracle_dir:
            install_node_oracles(oracle_dir)
        check_macro_table(oracle_dir)
        rng = random.Random(SEED)
        generate_v2(rng, oracle_dir, args.out)
        generate_v3(rng, oracle_dir, args.out, "3.0")
        generate_v3(rng, oracle_dir, args.out, "3.1")
        generate_v4(rng, oracle_dir, args.out)
        generate_osv(oracle_dir, args.advisories, args.out)
        print(f"cvss-suite outvoted on {len(DEVIATIONS)} v2 vectors with C:C/I:C/A:C (impact cap)")
        print(f"@pandatix/js-cvss outvoted on {len(TIES)} v4 vectors whose score is a tie x.x5")
    finally:
        if not args.oracle_dir:
            shutil.rmtree(oracle_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
