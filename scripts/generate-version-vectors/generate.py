#!/usr/bin/env python3
"""Generate version-ordering vectors with the reference tools Debian ships.

Versions are sampled from real advisory data (OSV bulk zips), paired, and each pair is
ordered by the scheme's own tool, so Vigil's comparators are tested against the tools
rather than against our reading of their specs:

  deb     dpkg --compare-versions          over Debian + Ubuntu advisory versions
  rpm     rpm's Lua rpm.vercmp (full EVR)  over Red Hat advisory versions
  pep440  python3-packaging's Version      over PyPI advisory versions (plus validity and
                                           normalization of every sampled string)
  go, crates  no oracle: every Go / crates.io advisory version, which the semver tests require
          to parse (a check against real data that the grammar is not too strict)
  gem     Ruby's Gem::Version              over the RubyGems version strings of osv's fixture
  maven   maven-artifact's ComparableVersion  over the Maven version strings of osv's fixture
  composer  PHP's version_compare            over the Packagist version strings of osv's fixture
          (strings with a leading `v` are skipped: PHP does not strip it, Composer and OSV do)

There is no RubyGems or Maven advisory data in the offline collection, so those two draw their
strings from osv's generated fixtures (copied in testdata, themselves taken from the registries)
and pair them at random, where the fixtures only hold neighbours of one sorted chain.

Usage (as root on Debian 12; `apt-get install -y dpkg rpm python3-packaging ruby
libmaven3-core-java default-jdk-headless php-cli`):

  /usr/bin/python3 scripts/generate-version-vectors/generate.py \
      --advisories ../shared/data/advisories/osv \
      --out packages/core/src/version/testdata  [deb] [rpm] [pep440] [go] [crates] [gem] [maven] [composer]

Output files use the osv-scanner fixture format (`A <op> B`, `#` comments) so the same
test reader handles them; the pep440 validity/normalization files are tab-separated.
The sampling is seeded, so a rerun with the same data and tools gives the same files.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import zipfile

SEED = 20261129
PAIRS_PER_SCHEME = 4000


def read_records(zip_path):
    with zipfile.ZipFile(zip_path) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith(".json"):
                yield json.loads(archive.read(name))


def versions_by_package(zip_paths):
    """{(ecosystem prefix, package name): sorted set of version strings} from ranges and lists."""
    packages = {}
    for zip_path in zip_paths:
        for record in read_records(zip_path):
            for affected in record.get("affected", []):
                package = affected.get("package", {})
                key = (package.get("ecosystem", "").split(":")[0], package.get("name", ""))
                found = packages.setdefault(key, set())
                for version in affected.get("versions", []):
                    found.add(version)
                for range_ in affected.get("ranges", []):
                    if range_.get("type") == "GIT":
                        continue
                    for event in range_.get("events", []):
                        for field in ("introduced", "fixed", "last_affected", "limit"):
                            value = event.get(field)
                            if value and value != "0" and value != "*":
                                found.add(value)
    return {key: sorted(values) for key, values in sorted(packages.items()) if values}


def sample_pairs(packages, count, rng):
    """Three kinds of pairs: neighbours within a package (the hard, close cases), random pairs
    within a package, and random pairs across packages."""
    keys = list(packages)
    pairs = []
    seen = set()

    def add(a, b):
        if (a, b) not in seen and (b, a) not in seen:
            seen.add((a, b))
            pairs.append((a, b))

    attempts = 0
    while len(pairs) < count and attempts < count * 20:
        attempts += 1
        versions = packages[rng.choice(keys)]
        kind = rng.random()
        if kind < 0.45 and len(versions) > 1:
            i = rng.randrange(len(versions) - 1)
            add(versions[i], versions[i + 1])
        elif kind < 0.8 and len(versions) > 1:
            a, b = rng.sample(versions, 2)
            add(a, b)
        else:
            other = packages[rng.choice(keys)]
            add(rng.choice(versions), rng.choice(other))
    return pairs


def write_vectors(path, header, lines):
    with open(path, "w", encoding="utf-8") as out:
        for line in header:
            out.write(f"# {line}\n")
        for line in lines:
            out.write(line + "\n")
    print(f"wrote {len(lines)} lines to {path}", file=sys.stderr)


OP = {-1: "<", 0: "=", 1: ">"}


def tool_version(argv):
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines()[0].strip()


def generate_deb(advisories, out, rng):
    packages = versions_by_package(
        [os.path.join(advisories, "Debian", "all.zip"), os.path.join(advisories, "Ubuntu", "all.zip")]
    )
    for key in list(packages):
        valid = [v for v in packages[key] if dpkg_valid(v)]
        if valid:
            packages[key] = valid
        else:
            del packages[key]
    lines = []
    for a, b in sample_pairs(packages, PAIRS_PER_SCHEME, rng):
        if run_dpkg(a, "lt", b):
            result = -1
        elif run_dpkg(a, "eq", b):
            result = 0
        else:
            result = 1
        lines.append(f"{a} {OP[result]} {b}")
    write_vectors(
        os.path.join(out, "deb-generated.txt"),
        [
            "Generated by scripts/generate-version-vectors/generate.py deb; do not edit.",
            f"Oracle: {tool_version(['dpkg', '--version'])} (dpkg --compare-versions).",
            "Versions: Debian 10-12 and Ubuntu 22.04/24.04 advisory versions (shared/data/advisories/osv).",
        ],
        lines,
    )


def dpkg_valid(version):
    return " " not in version and subprocess.run(["dpkg", "--validate-version", version], capture_output=True).returncode == 0


def run_dpkg(a, op, b):
    return subprocess.run(["dpkg", "--compare-versions", a, op, b], capture_output=True).returncode == 0


def generate_rpm(advisories, out, rng):
    packages = versions_by_package([os.path.join(advisories, "Red Hat", "all.zip")])
    # Red Hat's fixed versions always carry an epoch; drop it on some copies so pairs also
    # cover the "missing epoch means 0" rule, and pair versions with their bare V-R.
    for key, versions in packages.items():
        extra = [v.split(":", 1)[1] for v in versions if ":" in v and rng.random() < 0.3]
        packages[key] = sorted(set(versions + extra))
    pairs = sample_pairs(packages, PAIRS_PER_SCHEME, rng)
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as pair_file:
        for a, b in pairs:
            pair_file.write(f"{a}\t{b}\n")
    try:
        script = (
            # print() inside --eval joins its output without newlines, so collect and join.
            "%{lua: local out = {} for line in io.lines('" + pair_file.name + "') do "
            "local a, b = line:match('^(.-)\\t(.*)$') out[#out + 1] = tostring(rpm.vercmp(a, b)) end "
            "print(table.concat(out, ' '))}"
        )
        results = subprocess.run(["rpm", "--eval", script], capture_output=True, text=True, check=True).stdout.split()
    finally:
        os.unlink(pair_file.name)
    if len(results) != len(pairs):
        raise SystemExit(f"rpm returned {len(results)} results for {len(pairs)} pairs")
    lines = [f"{a} {OP[int(r)]} {b}" for (a, b), r in zip(pairs, results)]
    write_vectors(
        os.path.join(out, "rpm-generated.txt"),
        [
            "Generated by scripts/generate-version-vectors/generate.py rpm; do not edit.",
            f"Oracle: {tool_version(['rpm', '--version'])} (Lua rpm.vercmp, which parses [epoch:]version[-release]).",
            "Versions: RHEL 9 advisory fixed versions (shared/data/advisories/osv/Red Hat), some without their epoch.",
        ],
        lines,
    )


def generate_pep440(advisories, out, rng):
    import packaging
    from packaging.version import InvalidVersion, Version

    packages = versions_by_package([os.path.join(advisories, "PyPI", "all.zip")])
    all_versions = sorted({v for versions in packages.values() for v in versions})
    validity = []
    valid_packages = {}
    for key, versions in packages.items():
        valid = []
        for version in versions:
            try:
                Version(version)
                valid.append(version)
            except InvalidVersion:
                pass
        if valid:
            valid_packages[key] = valid
    sampled = rng.sample(all_versions, min(3000, len(all_versions)))
    for version in sorted(sampled):
        try:
            validity.append(f"{version}\t{Version(version)}")
        except InvalidVersion:
            validity.append(f"{version}\t!")
    lines = []
    for a, b in sample_pairs(valid_packages, PAIRS_PER_SCHEME, rng):
        va, vb = Version(a), Version(b)
        result = -1 if va < vb else 0 if va == vb else 1
        lines.append(f"{a} {OP[result]} {b}")
    oracle = f"python3-packaging {packaging.__version__} (packaging.version.Version)"
    write_vectors(
        os.path.join(out, "pep440-generated.txt"),
        [
            "Generated by scripts/generate-version-vectors/generate.py pep440; do not edit.",
            f"Oracle: {oracle}.",
            "Versions: PyPI advisory versions (shared/data/advisories/osv/PyPI).",
        ],
        lines,
    )
    write_vectors(
        os.path.join(out, "pep440-normalization-generated.txt"),
        [
            "Generated by scripts/generate-version-vectors/generate.py pep440; do not edit.",
            f"Oracle: {oracle}: str(Version(input)), or ! when it raises InvalidVersion.",
            "Format: input<TAB>normalized form (or !). Inputs: sampled PyPI advisory version strings.",
        ],
        validity,
    )


def fixture_versions(out, name):
    """Version strings of one of osv's fixtures (`A op B` lines), grouped by their first number
    so that pairs are often close."""
    groups = {}
    with open(os.path.join(out, name), encoding="utf-8") as lines:
        for line in lines:
            fields = line.rstrip("\n").split(" ")
            if len(fields) != 3 or line.startswith(("#", "//")):
                continue
            for version in (fields[0], fields[2]):
                groups.setdefault(version.split(".")[0], set()).add(version)
    return {key: sorted(values) for key, values in sorted(groups.items())}


def order_with(argv, pairs, stdin_format):
    """Run an oracle that reads pairs on stdin and prints -1/0/1 per pair."""
    text = "".join(stdin_format(a, b) for a, b in pairs)
    results = subprocess.run(argv, input=text, capture_output=True, text=True, check=True).stdout.split()
    if len(results) != len(pairs):
        raise SystemExit(f"{argv[0]} returned {len(results)} results for {len(pairs)} pairs")
    return [f"{a} {OP[int(r)]} {b}" for (a, b), r in zip(pairs, results)]


RUBY_ORACLE = (
    "STDIN.each_line { |l| a, b = l.chomp.split(\"\\t\"); "
    "puts(Gem::Version.new(a) <=> Gem::Version.new(b)) }"
)


def generate_gem(advisories, out, rng):
    groups = fixture_versions(out, "osv-rubygems-versions-generated.txt")
    pairs = sample_pairs(groups, PAIRS_PER_SCHEME, rng)
    lines = order_with(["ruby", "-e", RUBY_ORACLE], pairs, lambda a, b: f"{a}\t{b}\n")
    ruby = tool_version(["ruby", "--version"])
    gem = tool_version(["ruby", "-e", "puts Gem::VERSION"])
    write_vectors(
        os.path.join(out, "gem-generated.txt"),
        [
            "Generated by scripts/generate-version-vectors/generate.py gem; do not edit.",
            f"Oracle: RubyGems {gem} Gem::Version#<=> on {ruby}.",
            "Versions: random pairs of the strings in osv-rubygems-versions-generated.txt.",
        ],
        lines,
    )


MAVEN_ORACLE = """
import org.apache.maven.artifact.versioning.ComparableVersion;
import java.io.*;
public class MavenOrder {
  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    for (String line; (line = in.readLine()) != null; ) {
      String[] pair = line.split("\\t");
      System.out.println(Integer.signum(new ComparableVersion(pair[0]).compareTo(new ComparableVersion(pair[1]))));
    }
  }
}
"""
MAVEN_JAR = "/usr/share/java/maven-artifact-3.x.jar"


def generate_maven(advisories, out, rng):
    groups = fixture_versions(out, "osv-maven-versions-generated.txt")
    pairs = sample_pairs(groups, PAIRS_PER_SCHEME, rng)
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "MavenOrder.java"), "w") as source:
            source.write(MAVEN_ORACLE)
        subprocess.run(["javac", "-cp", MAVEN_JAR, "-d", work, source.name], check=True)
        lines = order_with(
            ["java", "-cp", f"{MAVEN_JAR}:{work}", "MavenOrder"], pairs, lambda a, b: f"{a}\t{b}\n"
        )
    jar = os.path.realpath(MAVEN_JAR)
    write_vectors(
        os.path.join(out, "maven-generated.txt"),
        [
            "Generated by scripts/generate-version-vectors/generate.py maven; do not edit.",
            f"Oracle: ComparableVersion#compareTo from {os.path.basename(jar)} "
            f"(Debian libmaven3-core-java {tool_version(['dpkg-query', '-W', '-f', '${Version}', 'libmaven3-core-java'])}).",
            "Versions: random pairs of the strings in osv-maven-versions-generated.txt.",
        ],
        lines,
    )


def generate_advisory_versions(advisories, out, ecosystem, file_name, source):
    packages = versions_by_package([os.path.join(advisories, ecosystem, "all.zip")])
    versions = sorted({v for values in packages.values() for v in values})
    with open(os.path.join(out, file_name), "w", encoding="utf-8") as output:
        output.write(f"# Generated by scripts/generate-version-vectors/generate.py; do not edit.\n")
        output.write(f"# Every version string of the {ecosystem} advisories ({source}), one a line.\n")
        for version in versions:
            output.write(version + "\n")
    print(f"wrote {len(versions)} versions to {file_name}", file=sys.stderr)


def generate_go(advisories, out, rng):
    generate_advisory_versions(advisories, out, "Go", "go-advisory-versions.txt", "golang/vulndb, CC-BY-4.0")


def generate_crates(advisories, out, rng):
    generate_advisory_versions(
        advisories, out, "crates.io", "crates-advisory-versions.txt", "rustsec/advisory-db, CC0-1.0"
    )


PHP_ORACLE = (
    "while (($l = fgets(STDIN)) !== false) { [$a, $b] = explode(\"\\t\", rtrim($l, \"\\n\")); "
    "echo version_compare($a, $b), \"\\n\"; }"
)


def generate_composer(advisories, out, rng):
    groups = fixture_versions(out, "osv-packagist-versions-generated.txt")
    for key in list(groups):
        groups[key] = [v for v in groups[key] if not v.startswith(("v", "V"))]
        if not groups[key]:
            del groups[key]
    pairs = sample_pairs(groups, PAIRS_PER_SCHEME, rng)
    lines = order_with(["php", "-r", PHP_ORACLE], pairs, lambda a, b: f"{a}\t{b}\n")
    write_vectors(
        os.path.join(out, "composer-generated.txt"),
        [
            "Generated by scripts/generate-version-vectors/generate.py composer; do not edit.",
            f"Oracle: {tool_version(['php', '--version'])} version_compare().",
            "Versions: random pairs of the strings in osv-packagist-versions-generated.txt, without a leading v.",
        ],
        lines,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--advisories", required=True, help="folder holding <Ecosystem>/all.zip")
    parser.add_argument("--out", required=True, help="testdata folder to write into")
    parser.add_argument("schemes", nargs="*", default=["deb", "rpm", "pep440", "go", "crates", "gem", "maven", "composer"])
    args = parser.parse_args()
    generators = {
        "deb": generate_deb,
        "rpm": generate_rpm,
        "pep440": generate_pep440,
        "go": generate_go,
        "crates": generate_crates,
        "gem": generate_gem,
        "maven": generate_maven,
        "composer": generate_composer,
    }
    for scheme in args.schemes:
        # One generator per scheme, each with its own seeded stream, so regenerating one
        # scheme leaves the others' files unchanged.
        generators[scheme](args.advisories, args.out, random.Random(f"{SEED}-{scheme}"))


if __name__ == "__main__":
    main()
