import { describe, expect, it } from "vitest";
import { VersionParseError } from "../errors.js";
import {
  ascendingPairs,
  checkVectors,
  type Exclusion,
  parseOpLines,
  readTestdata,
  type Vector,
} from "../test-support/vectors.js";
import { mavenComparator } from "./maven.js";

const fixture = JSON.parse(readTestdata("maven-comparable.json")) as {
  ascending_qualifier: string[];
  ascending_number: string[];
  equal: [string, string][];
  less: [string, string][];
};

/**
 * osv's generated Maven fixture was made with a maven-artifact from before a qualifier after a
 * dot opened a sub-list ("treat .X as -X": the ComparableVersion javadoc's
 * `1.0.RC2 < 1.0-RC3 < 1.0.1`). Maven's own ComparableVersionTest (`2.0.a < 2-1`, copied here)
 * and maven-artifact 3.8.7 order these pairs the other way; Vigil follows them.
 */
const DOT_QUALIFIER =
  "older maven-artifact: `.X` qualifier not yet treated as `-X` (see ComparableVersionTest)";
const DOT_QUALIFIER_PAIRS: readonly (readonly [string, string])[] = [
  ["1.0.0-RC16", "1.0.0.RC8-beta"],
  ["1.0.0-gradle-rework-beta3", "1.0.0.RC7-3"],
  ["2.9.0-1", "2.9.0.RC1"],
  ["6.1.12.rc5", "6.1.12rc1"],
  ["1.1.31.sec10", "1.1.31_noneautotype"],
  ["1.1.34.sec10", "1.1.34_noneautotype"],
  ["1.1.46.sec10", "1.1.46_noneautotype"],
  ["1.2.8.sec10_noneautotype", "1.2.8_noneautotype"],
  ["1.2.31.sec10", "1.2.31_noneautotype"],
  ["1.2.48.sec10", "1.2.48_noneautotype"],
  ["1.2.50.sec10", "1.2.50_noneautotype"],
  ["1.2.54.sec10", "1.2.54_noneautotype"],
  ["1.2.57.sec10", "1.2.57_noneautotype"],
  ["1.2.60.sec10", "1.2.60_noneautotype"],
  ["1.2.67.sec10", "1.2.67_noneautotype"],
  ["1.0.0rc0", "1.0.beta8"],
  ["1.5.9.RC1", "1.5.9-RC0"],
  ["1.1.0-01-glassfish", "1.1.0.Beta1"],
];

/**
 * `1-1 = 1-ga-1` in osv's hand-written fixture: maven-artifact 3.8.7 parses `1-ga-1` as
 * `[1, [[1]]]` (the `ga` is dropped, its sub-list stays) and orders it below `1-1`.
 */
const GA_SUBLIST = "maven-artifact 3.8.7 orders 1-ga-1 below 1-1 (dropped `ga` leaves a nested list)";

function pairs(list: readonly (readonly [string, string])[], reason: string): Exclusion {
  const keys = new Set(list.map(([a, b]) => `${a} ${b}`));
  return { matches: (v) => keys.has(`${v.a} ${v.b}`) || keys.has(`${v.b} ${v.a}`), reason };
}

describe("maven comparator", () => {
  it("orders ComparableVersionTest's VERSIONS_QUALIFIER and VERSIONS_NUMBER ascending", () => {
    for (const key of ["ascending_qualifier", "ascending_number"] as const) {
      const report = checkVectors(mavenComparator, ascendingPairs(fixture[key], key));
      expect(report.failures).toEqual([]);
    }
  });

  it("passes ComparableVersionTest's checkVersionsEqual and checkVersionsOrder cases", () => {
    const vectors: Vector[] = [
      ...fixture.equal.map(([a, b], i): Vector => ({ a, b, expected: 0, where: `equal[${i}]` })),
      ...fixture.less.map(([a, b], i): Vector => ({ a, b, expected: -1, where: `less[${i}]` })),
    ];
    const report = checkVectors(mavenComparator, vectors);
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(55);
  });

  it.each([
    ["osv-maven-versions.txt", [pairs([["1-1", "1-ga-1"]], GA_SUBLIST)], 1],
    ["osv-maven-versions-generated.txt", [pairs(DOT_QUALIFIER_PAIRS, DOT_QUALIFIER)], 18],
    ["maven-generated.txt", [], 0],
  ])("passes every vector of %s in both directions", (file, exclusions, excluded) => {
    const report = checkVectors(mavenComparator, parseOpLines(file), exclusions);
    expect(report.failures).toEqual([]);
    expect(report.unusedExclusions).toEqual([]);
    expect([...report.excluded.values()].reduce((x, y) => x + y, 0)).toBe(excluded);
  });

  it("treats separators, padding and qualifiers as documented", () => {
    expect(mavenComparator.compare("1.0.RC2", "1.0-RC3")).toBe(-1);
    expect(mavenComparator.compare("1.0-RC3", "1.0.1")).toBe(-1);
    expect(mavenComparator.compare("1.0.0", "1")).toBe(0);
    expect(mavenComparator.compare("1.0-SNAPSHOT", "1.0")).toBe(-1);
    expect(mavenComparator.compare("1.0-sp1", "1.0")).toBe(1);
    expect(mavenComparator.compare("1.0.Final", "1.0")).toBe(0);
    expect(mavenComparator.compare("1.0-foo", "1.0-sp")).toBe(1);
    expect(mavenComparator.compare("1.12345678901234567890", "1.12345678901234567889")).toBe(1);
  });

  it.each(["", " 1.0", "1.0 ", "1 .0", "1.0\t"])("rejects %j", (version) => {
    expect(mavenComparator.parse(version)).toBeInstanceOf(VersionParseError);
    expect(mavenComparator.isValid(version)).toBe(false);
    expect(() => mavenComparator.compare(version, "1.0")).toThrow(VersionParseError);
  });
});
