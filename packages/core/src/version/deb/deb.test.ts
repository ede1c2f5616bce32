import { describe, expect, it } from "vitest";
import { VersionParseError } from "../errors.js";
import { checkVectors, parseOpLines, parseTsv } from "../test-support/vectors.js";
import { compareDebFragment, compareDebVersions, type DebVersion, debComparator, debSortKey } from "./deb.js";

/** A parsed version whose upstream part is `fragment` (epoch 0, no revision). */
function debVersion(fragment: string): DebVersion {
  return {
    version: fragment,
    epoch: 0,
    upstream: fragment,
    revision: "",
    upstreamKey: debSortKey(fragment),
    revisionKey: [],
  };
}

describe("deb comparator", () => {
  it.each(["osv-debian-versions.txt", "osv-debian-versions-generated.txt", "deb-generated.txt"])(
    "passes every vector of %s in both directions",
    (file) => {
      const report = checkVectors(debComparator, parseOpLines(file));
      expect(report.failures).toEqual([]);
      expect(report.passed).toBeGreaterThan(0);
    },
  );

  it("passes dpkg's own comparison table (Dpkg_Version.t)", () => {
    const report = checkVectors(debComparator, parseTsv("dpkg-compare.tsv"));
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(43);
  });

  it("orders epochs numerically and treats a missing revision as 0", () => {
    expect(debComparator.compare("1:1.0", "2.0")).toBe(1);
    expect(debComparator.compare("10:1", "9:1")).toBe(1);
    expect(debComparator.compare("1.0", "1.0-0")).toBe(0);
    expect(debComparator.compare("1.0~rc1", "1.0")).toBe(-1);
    expect(debComparator.compare("1.0+b1", "1.0")).toBe(1);
  });

  it("compares numbers longer than 2^53 exactly", () => {
    expect(debComparator.compare("1.99999999999999999999", "1.99999999999999999998")).toBe(1);
    expect(debComparator.compare("0001.2", "1.2")).toBe(0);
  });

  it.each([
    ["", "version string is empty"],
    [":1.0", "epoch is empty"],
    ["a:1.0", "epoch is not a number"],
    ["-1:1.0", "epoch is not a number"],
    ["99999999999:1.0", "epoch is too big"],
    ["1:", "nothing after the epoch colon"],
    ["1.0-", "revision is empty"],
    ["-1", "upstream version is empty"],
    ["1.0 beta", 'invalid character " " in upstream version'],
    ["1.0_1", 'invalid character "_" in upstream version'],
    ["1.0-1=2", 'invalid character "=" in revision'],
    ["1.0-1_2", 'invalid character "_" in revision'],
  ])("rejects %j (%s)", (version, reason) => {
    const parsed = debComparator.parse(version);
    expect(parsed).toBeInstanceOf(VersionParseError);
    expect((parsed as VersionParseError).reason).toBe(reason);
    expect(debComparator.isValid(version)).toBe(false);
    expect(() => debComparator.compare(version, "1.0")).toThrow(VersionParseError);
  });

  it("parses the three parts", () => {
    expect(debComparator.parse("2:1.2-3-4")).toMatchObject({
      version: "2:1.2-3-4",
      epoch: 2,
      upstream: "1.2-3",
      revision: "4",
    });
  });

  it("orders sort keys exactly as verrevcmp orders the strings", () => {
    const fragments = new Set<string>([
      "",
      "0",
      "00",
      "~",
      "~~",
      "a",
      "1.0",
      "1.00",
      "1.0~",
      "123456789012",
      "123456789013",
    ]);
    for (const file of ["osv-debian-versions.txt", "deb-generated.txt"]) {
      for (const v of parseOpLines(file)) {
        for (const version of [v.a, v.b]) {
          const parsed = debComparator.parse(version) as DebVersion;
          fragments.add(parsed.upstream).add(parsed.revision);
        }
      }
    }
    const list = [...fragments];
    const mismatches: string[] = [];
    for (const a of list) {
      for (const b of list.slice(0, 200)) {
        const expected = compareDebFragment(a, b);
        const viaKeys = compareDebVersions(debVersion(a), debVersion(b));
        if (expected !== viaKeys) mismatches.push(`${a} vs ${b}: ${expected} / ${viaKeys}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
