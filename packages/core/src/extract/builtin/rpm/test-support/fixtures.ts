/**
 * Test helpers: the rpm databases under ../testdata, their expected `rpm -qa` lists, and the
 * conversion of extracted packages to the same rows.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ExtractedPackage } from "../../../../model/package.js";

const TESTDATA = new URL("../testdata/", import.meta.url);

/** The bytes of a file under testdata/. */
export function readTestdata(relativePath: string): Buffer {
  return readFileSync(new URL(relativePath, TESTDATA));
}

/** Absolute path of a file under testdata/ (for running the real rpm on it). */
export function testdataPath(relativePath: string): string {
  return fileURLToPath(new URL(relativePath, TESTDATA));
}

/** A database fixture with the `rpm -qa` list that an independent tool produced for it. */
export interface DatabaseFixture {
  readonly name: string;
  /** Path under testdata/ of the database file. */
  readonly database: string;
  /** Path under testdata/ of the expected list. */
  readonly expected: string;
  readonly format: "sqlite" | "bdb" | "ndb";
  /** Whether Debian's rpm 4.18 can read it (no ndb backend; needs the index tables). */
  readonly rpmCanRead: boolean;
}

/** Every database fixture with its expected list. */
export const DATABASE_FIXTURES: readonly DatabaseFixture[] = [
  fixture(
    "cbl-mariner-2.0",
    "cbl-mariner-2.0/var/lib/rpm/rpmdb.sqlite",
    "cbl-mariner-2.0/rpm-qa.tsv",
    "sqlite",
  ),
  {
    ...fixture("sle15-bci", "sle15-bci/usr/lib/sysimage/rpm/Packages.db", "sle15-bci/rpm-qa.tsv", "ndb"),
    rpmCanRead: false,
  },
  fixture("libuuid", "libuuid/var/lib/rpm/Packages", "libuuid/rpm-qa.tsv", "bdb"),
  fixture("syft-dive", "syft-dive/var/lib/rpm/Packages", "syft-dive/rpm-qa.tsv", "bdb"),
  fixture("scalibr-epoch", "scalibr-epoch/var/lib/rpm/Packages", "scalibr-epoch/rpm-qa.tsv", "bdb"),
  fixture("generated sqlite (rpm's WAL file)", "generated/rpmdb.sqlite", "generated/rpm-qa.tsv", "sqlite"),
  fixture(
    "generated sqlite, 512-byte pages",
    "generated/rpmdb-page512.sqlite",
    "generated/rpm-qa.tsv",
    "sqlite",
  ),
  {
    ...fixture(
      "generated sqlite, 64 KiB pages, 32 reserved bytes",
      "generated/rpmdb-page65536-reserved32.sqlite",
      "generated/rpm-qa.tsv",
      "sqlite",
    ),
    rpmCanRead: false,
  },
  fixture("generated sqlite, UTF-16be", "generated/rpmdb-utf16be.sqlite", "generated/rpm-qa.tsv", "sqlite"),
  fixture(
    "generated bdb, little-endian, 512-byte pages",
    "generated/Packages-le-page512",
    "generated/rpm-qa.tsv",
    "bdb",
  ),
  fixture("generated bdb, big-endian", "generated/Packages-be", "generated/rpm-qa.tsv", "bdb"),
];

function fixture(
  name: string,
  database: string,
  expected: string,
  format: DatabaseFixture["format"],
): DatabaseFixture {
  return { name, database, expected, format, rpmCanRead: true };
}

/**
 * One `rpm -qa` row: name, epoch (0 when absent), version, release, arch, sourcerpm, license
 * (`(none)` where rpm has no value). The generated list adds the raw epoch (empty when the
 * header has none), vendor and modularity label.
 */
export type RpmQaRow = readonly string[];

/** The rows of an expected list, sorted. */
export function readRpmQa(relativePath: string): RpmQaRow[] {
  return readTestdata(relativePath)
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split("\t"))
    .sort(compareRows);
}

/** The expected row of one extracted package, with as many columns as `width`. */
export function packageRow(pkg: ExtractedPackage, width: number): RpmQaRow {
  const m = pkg.metadata ?? {};
  const row = [
    pkg.name,
    m.epoch ?? "0",
    m.version ?? "",
    m.release ?? "",
    pkg.arch ?? "(none)",
    m.sourceRpm ?? "(none)",
    m.license ?? "(none)",
    m.epoch ?? "",
    m.vendor ?? "",
    m.modularityLabel ?? "",
  ];
  return row.slice(0, width);
}

/** Rows of extracted packages, sorted like {@link readRpmQa}. */
export function packageRows(packages: readonly ExtractedPackage[], width: number): RpmQaRow[] {
  return packages.map((p) => packageRow(p, width)).sort(compareRows);
}

function compareRows(a: RpmQaRow, b: RpmQaRow): number {
  const x = a.join("\t");
  const y = b.join("\t");
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A small deterministic PRNG (mulberry32) so that failures can be replayed from the seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
