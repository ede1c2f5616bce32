import { describe, expect, it } from "vitest";
import { VersionParseError } from "../errors.js";
import { checkVectors, involving, parseOpLines } from "../test-support/vectors.js";
import { gemComparator } from "./gem.js";

/**
 * osv's RubyGems fixture compares `1beta` and `1gamma`, which Gem::Version rejects
 * ("Malformed version number string", RubyGems 3.3.15 on Ruby 3.1): letters may only follow
 * a `.` or a `-`. Vigil reports them as malformed.
 */
const MALFORMED_IN_RUBYGEMS = "Gem::Version rejects it (letters directly after the first number)";

describe("gem comparator", () => {
  it.each([
    ["osv-rubygems-versions.txt", 2],
    ["osv-rubygems-versions-generated.txt", 0],
    ["gem-generated.txt", 0],
  ])("passes every vector of %s in both directions", (file, excluded) => {
    const report = checkVectors(gemComparator, parseOpLines(file), [
      involving(["1beta", "1gamma"], MALFORMED_IN_RUBYGEMS),
    ]);
    expect(report.failures).toEqual([]);
    expect(report.excluded.get(MALFORMED_IN_RUBYGEMS) ?? 0).toBe(excluded);
    expect(report.passed).toBeGreaterThan(0);
  });

  it("orders pre-releases before releases and ignores trailing zeros", () => {
    expect(gemComparator.compare("1.0.0.pre1", "1.0.0")).toBe(-1);
    expect(gemComparator.compare("1.0.0-rc1", "1.0.0.pre.rc1")).toBe(0);
    expect(gemComparator.compare("1.0.0-rc1", "1.0.0")).toBe(-1);
    expect(gemComparator.compare("1.0.0", "1")).toBe(0);
    expect(gemComparator.compare("1.0.a", "1.0.A")).toBe(1);
    expect(gemComparator.compare(" 2.0 ", "2")).toBe(0);
  });

  it.each(["", " ", "1beta", "a", "1..2", "1.", "1-", "1.0-rc.", "1.0_1", "-1", "1 2"])(
    "rejects %j",
    (version) => {
      expect(gemComparator.parse(version)).toBeInstanceOf(VersionParseError);
      expect(gemComparator.isValid(version)).toBe(false);
      expect(() => gemComparator.compare(version, "1.0")).toThrow(VersionParseError);
    },
  );
});
