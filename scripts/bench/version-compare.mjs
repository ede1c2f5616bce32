#!/usr/bin/env node
// Comparisons per second for every version scheme, over the real version pairs in
// packages/core/src/version/testdata (osv fixtures and oracle-generated vectors), measured on
// the BUILT code (`npx tsc -b packages/cli` first). Each scheme is timed twice: through its
// comparator as callers use it (bounded parse cache on) and with parsing on every call
// (cache off). Two baselines run over the same pairs in the same process, so the ratios are
// comparable across machines: String.prototype.localeCompare and a naive split-on-dots
// numeric compare. Always exits 0; it reports, it does not judge.
//
// Usage: node scripts/bench/version-compare.mjs [--seconds 0.5] [--scheme deb]

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const testdata = join(root, "packages/core/src/version/testdata");
const version = await import(pathToFileURL(join(root, "packages/core/dist/version/index.js")).href);

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const seconds = Number(option("seconds", "0.5"));
const only = option("scheme", undefined);

/** Which testdata files hold real pairs for each scheme, and its parse/compare functions. */
const SCHEMES = [
  [
    "deb",
    ["osv-debian-versions-generated.txt", "deb-generated.txt"],
    version.parseDebVersion,
    version.compareDebVersions,
  ],
  ["apk", ["osv-alpine-versions-generated.txt"], version.parseApkVersion, version.compareApkVersions],
  [
    "rpm",
    ["rpm-generated.txt", "osv-redhat-versions.txt"],
    version.parseRpmVersion,
    version.compareRpmVersions,
  ],
  [
    "semver-npm",
    ["osv-semver-versions.txt"],
    (v) => version.npmSemverComparator.parse(v),
    version.compareSemver,
  ],
  ["semver-go", ["go-pseudo"], (v) => version.goSemverComparator.parse(v), version.compareSemver],
  [
    "pep440",
    ["osv-pypi-versions-generated.txt", "pep440-generated.txt"],
    version.parsePep440,
    version.comparePep440,
  ],
  [
    "maven",
    ["osv-maven-versions-generated.txt", "maven-generated.txt"],
    version.parseMavenVersion,
    version.compareMavenVersions,
  ],
  [
    "gem",
    ["osv-rubygems-versions-generated.txt", "gem-generated.txt"],
    version.parseGemVersion,
    version.compareGemVersions,
  ],
  ["nuget", ["osv-nuget-versions.txt"], version.parseNugetVersion, version.compareNugetVersions],
  [
    "composer",
    ["osv-packagist-versions-generated.txt"],
    version.parseComposerVersion,
    version.compareComposerVersions,
  ],
];

function readPairs(file) {
  const pairs = [];
  for (const line of readFileSync(join(testdata, file), "utf8").split("\n")) {
    if (line === "" || line.startsWith("#") || line.startsWith("//")) continue;
    const fields = line.split(" ");
    if (fields.length === 3) pairs.push([fields[0], fields[2]]);
  }
  return pairs;
}

/** Go has no large pair file; build realistic ones: tags and pseudo-versions of a module. */
function goPairs() {
  const versions = [];
  for (let minor = 0; minor < 40; minor++) {
    for (let patch = 0; patch < 12; patch++) {
      versions.push(`v1.${minor}.${patch}`);
      versions.push(
        `v1.${minor}.${patch + 1}-0.2023${String(minor).padStart(2, "0")}01120000-abcdef${patch}23456`,
      );
      if (patch % 4 === 0) versions.push(`v2.${minor}.${patch}+incompatible`);
    }
  }
  return versions.slice(1).map((v, i) => [versions[i], v]);
}

/** Run `fn` over all pairs repeatedly for about `seconds`; returns comparisons per second. */
function measure(pairs, fn) {
  let sink = 0;
  for (let round = 0; round < 3; round++) for (const [a, b] of pairs) sink += fn(a, b); // warm up
  let count = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (const [a, b] of pairs) sink += fn(a, b);
    count += pairs.length;
    elapsed = process.hrtime.bigint() - start;
  }
  if (sink === Number.MAX_SAFE_INTEGER) console.log("unreachable");
  return count / (Number(elapsed) / 1e9);
}

const localeCompare = (a, b) => a.localeCompare(b);
/** The naive comparator people write first: split on dots, compare numerically. */
function naiveCompare(a, b) {
  const x = a.split(".");
  const y = b.split(".");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = Number.parseInt(x[i] ?? "0", 10) || 0;
    const q = Number.parseInt(y[i] ?? "0", 10) || 0;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

const format = (n) => `${(n / 1e6).toFixed(2)}M`.padStart(8);
console.log(`node ${process.version}, ${seconds}s per measurement; M = million comparisons per second`);
console.log(
  `${"scheme".padEnd(11)} ${"pairs".padStart(6)} ${"cached".padStart(8)} ${"no cache".padStart(8)}  ` +
    `${"localeCmp".padStart(9)} ${"naive".padStart(8)}  ${"×locale".padStart(7)} ${"×naive".padStart(7)}`,
);
for (const [scheme, files, parse, compare] of SCHEMES) {
  if (only !== undefined && only !== scheme) continue;
  const pairs = files[0] === "go-pseudo" ? goPairs() : files.flatMap(readPairs);
  const comparator = version.BUILTIN_SCHEMES.get(scheme);
  const valid = pairs.filter(([a, b]) => comparator.isValid(a) && comparator.isValid(b));
  const uncached = version.createComparator(
    { scheme, description: scheme, parse, compare },
    { cacheSize: 0 },
  );
  const cached = measure(valid, comparator.compare);
  const fresh = measure(valid, uncached.compare);
  const locale = measure(valid, localeCompare);
  const naive = measure(valid, naiveCompare);
  console.log(
    `${scheme.padEnd(11)} ${String(valid.length).padStart(6)} ${format(cached)} ${format(fresh)}  ` +
      `${format(locale).padStart(9)} ${format(naive)}  ${(cached / locale).toFixed(2).padStart(7)} ${(cached / naive).toFixed(2).padStart(7)}`,
  );
}
