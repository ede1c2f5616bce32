import { describe, expect, it } from "vitest";
import type { VersionComparator } from "../comparator.js";
import { VersionParseError } from "../errors.js";
import {
  checkVectors,
  type Exclusion,
  parseOpLines,
  readTestdata,
  type Vector,
} from "../test-support/vectors.js";
import { goSemverComparator, npmSemverComparator, semverComparator } from "./flavours.js";
import type { SemverVersion } from "./semver.js";

type NodeSemverCase = [string, string, (boolean | Record<string, unknown>)?];
const nodeSemver = JSON.parse(readTestdata("node-semver.json")) as {
  comparisons: NodeSemverCase[];
  equality: NodeSemverCase[];
  "valid-versions": [string, number, number, number, (string | number)[], string[]][];
};

/** node-semver's loose mode is on when the options are `true` or `{ loose: <truthy> }`. */
function isLoose(options: NodeSemverCase[2]): boolean {
  return options === true || (typeof options === "object" && Boolean(options.loose));
}

/**
 * node-semver cases run in loose mode accept `=1.2.3`, `v 1.2.3` and similar range-syntax
 * spellings that registry versions never use; Vigil's npm flavour is node-semver's strict mode.
 */
const LOOSE_ONLY = "node-semver loose mode (`=`, `v ` prefixes): not a registry version syntax";

/**
 * osv-scalibr's semver parser is lenient where SemVer 2.0.0 (and node-semver, Cargo, Elixir and
 * x/mod) are not; its fixture documents it: "anything after the first three components in
 * semver is considered part of the build string". Vigil reports such strings as malformed.
 * Go's shorthand (`v1` = `v1.0.0`) does make the one-component line valid for semver-go.
 */
const OSV_LENIENT: Exclusion[] = [
  {
    matches: (v) => /^\d+(\.\d+){3,}$/.test(v.a),
    reason: "osv lenient parsing: more than three numeric components (not SemVer 2.0.0)",
  },
];
const OSV_SINGLE_COMPONENT: Exclusion = {
  matches: (v) => /^\d+$/.test(v.a) && /^\d+$/.test(v.b),
  reason: "osv lenient parsing: a bare major version (not SemVer 2.0.0; valid only as Go's shorthand)",
};

function nodeSemverVectors(): { vectors: Vector[]; loose: Vector[] } {
  const vectors: Vector[] = [];
  const loose: Vector[] = [];
  nodeSemver.comparisons.forEach(([a, b, options], i) => {
    (isLoose(options) ? loose : vectors).push({ a, b, expected: 1, where: `comparisons[${i}]` });
  });
  nodeSemver.equality.forEach(([a, b, options], i) => {
    (isLoose(options) ? loose : vectors).push({ a, b, expected: 0, where: `equality[${i}]` });
  });
  return { vectors, loose };
}

describe.each([
  ["semver", semverComparator],
  ["semver-npm", npmSemverComparator],
  ["semver-go", goSemverComparator],
] as const)("%s comparator", (_name, comparator) => {
  it("passes every osv semver fixture (shared by npm, crates.io, Go and Hex) in both directions", () => {
    const report = checkVectors(
      comparator,
      parseOpLines("osv-semver-versions.txt"),
      comparator === goSemverComparator ? OSV_LENIENT : [...OSV_LENIENT, OSV_SINGLE_COMPONENT],
    );
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(comparator === goSemverComparator ? 85 : 84);
  });

  it("ignores build metadata and orders pre-releases by semver.org item 11", () => {
    expect(comparator.compare("1.0.0+build.1", "1.0.0+build.2")).toBe(0);
    expect(comparator.compare("1.0.0-alpha.10", "1.0.0-alpha.9")).toBe(1);
    expect(comparator.compare("1.0.0-alpha", "1.0.0-1")).toBe(1);
    expect(comparator.compare("1.0.0-rc.1", "1.0.0")).toBe(-1);
  });

  it.each([
    "",
    "1",
    "1.2",
    "01.2.3",
    "1.02.3",
    "1.2.03",
    "1.2.3-01",
    "1.2.3-",
    "1.2.3-a..b",
    "1.2.3+",
    "1.2.3+a..b",
    "1.2.3.4",
    "1.2.3-a_b",
    "a.b.c",
    "V1.2.3",
    "1.2.3 ",
  ])("rejects %j", (version) => {
    if (comparator === goSemverComparator && (version === "1" || version === "1.2")) return;
    if (comparator === npmSemverComparator && version === "1.2.3 ") return;
    expect(comparator.parse(version)).toBeInstanceOf(VersionParseError);
    expect(comparator.isValid(version)).toBe(false);
    expect(() => comparator.compare(version, "1.0.0")).toThrow(VersionParseError);
  });
});

describe("semver-npm against node-semver's fixtures", () => {
  const { vectors, loose } = nodeSemverVectors();

  it("passes comparisons (first > second) and equality in both directions", () => {
    const report = checkVectors(npmSemverComparator, vectors);
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(vectors.length);
    expect(vectors.length).toBe(22);
  });

  it("leaves out only the loose-mode cases, which strict mode rejects", () => {
    expect(loose.length).toBe(46);
    const exclusions: Exclusion[] = [{ matches: () => true, reason: LOOSE_ONLY }];
    expect(checkVectors(npmSemverComparator, loose, exclusions).excluded.get(LOOSE_ONLY)).toBe(46);
  });

  it.each(nodeSemver["valid-versions"])(
    "parses %j into its parts",
    (version, major, minor, patch, pre, build) => {
      const parsed = npmSemverComparator.parse(version) as SemverVersion;
      expect(parsed).not.toBeInstanceOf(VersionParseError);
      expect([parsed.major, parsed.minor, parsed.patch].map(Number)).toEqual([major, minor, patch]);
      expect(parsed.prerelease).toEqual(pre.map(String));
      expect(parsed.build).toEqual(build);
    },
  );

  it("trims whitespace as node-semver does", () => {
    expect(npmSemverComparator.compare("  v1.2.3+build", "1.2.3+otherbuild")).toBe(0);
  });
});

describe("semver-go against golang.org/x/mod/semver's table", () => {
  const table = JSON.parse(readTestdata("go-semver-ascending.json")).ascending as {
    in: string;
    canonical: string;
  }[];

  it("rejects exactly the entries with no canonical form", () => {
    const invalid = table.filter((t) => t.canonical === "").map((t) => t.in);
    expect(invalid.length).toBe(8);
    expect(table.filter((t) => !goSemverComparator.isValid(t.in)).map((t) => t.in)).toEqual(invalid);
  });

  it("orders the valid entries ascending, equal canonical forms equal", () => {
    const valid = table.filter((t) => t.canonical !== "");
    const vectors: Vector[] = [];
    for (let i = 0; i < valid.length; i++) {
      for (let j = i + 1; j < valid.length; j++) {
        const a = valid[i]!;
        const b = valid[j]!;
        vectors.push({
          a: a.in,
          b: b.in,
          expected: a.canonical === b.canonical ? 0 : -1,
          where: `tests[${i}],[${j}]`,
        });
      }
    }
    const report = checkVectors(goSemverComparator, vectors);
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(276);
  });

  it("treats +incompatible as build metadata", () => {
    expect(goSemverComparator.compare("v2.0.0+incompatible", "v2.0.0")).toBe(0);
    expect(goSemverComparator.compare("2.1.0+incompatible", "v2.0.9")).toBe(1);
    expect((goSemverComparator.parse("v4.1.2+incompatible") as SemverVersion).build).toEqual([
      "incompatible",
    ]);
  });

  it("orders pseudo-versions as pre-releases", () => {
    expect(
      goSemverComparator.compare("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-aaaaaaaaaaaa"),
    ).toBe(-1);
    expect(goSemverComparator.compare("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3")).toBe(1);
  });
});

function allComparators(): VersionComparator[] {
  return [semverComparator, npmSemverComparator, goSemverComparator];
}

it("every semver flavour has its own scheme id", () => {
  expect(new Set(allComparators().map((c) => c.scheme)).size).toBe(3);
});

describe("real advisory versions", () => {
  const read = (file: string) =>
    readTestdata(file)
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));

  it.each([
    ["go-advisory-versions.txt", goSemverComparator, 2485],
    ["crates-advisory-versions.txt", semverComparator, 614],
  ] as const)("every version in %s parses and sorts consistently", (file, comparator, count) => {
    const versions = read(file);
    expect(versions.length).toBe(count);
    expect(versions.filter((v) => !comparator.isValid(v))).toEqual([]);
    const sorted = [...versions].sort(comparator.compare);
    for (let i = 1; i < sorted.length; i++) {
      expect(comparator.compare(sorted[i - 1]!, sorted[i]!)).toBeLessThanOrEqual(0);
      expect(comparator.compare(sorted[i]!, sorted[i - 1]!)).toBeGreaterThanOrEqual(0);
    }
  });
});
