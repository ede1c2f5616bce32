import { describe, expect, it } from "vitest";
import { VersionParseError } from "../errors.js";
import { checkVectors, parseOpLines } from "../test-support/vectors.js";
import { nugetComparator } from "./nuget.js";

describe("nuget comparator", () => {
  it("passes every vector of osv-nuget-versions.txt in both directions", () => {
    const report = checkVectors(nugetComparator, parseOpLines("osv-nuget-versions.txt"));
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(35);
  });

  it("pads, ignores metadata and compares labels case-insensitively", () => {
    expect(nugetComparator.compare("1.0", "1.0.0.0")).toBe(0);
    expect(nugetComparator.compare("1.0.0.1", "1.0.0")).toBe(1);
    expect(nugetComparator.compare("1.0.0-RC.1", "1.0.0-rc.1+build")).toBe(0);
    expect(nugetComparator.compare("1.0.0-alpha.2", "1.0.0-alpha.10")).toBe(-1);
    expect(nugetComparator.compare("1.0.0-alpha", "1.0.0")).toBe(-1);
  });

  it.each(["", "a", "1.", "1.2.3.4.5", "1.0-", "1.0+", "1.0-a..b", "1.0.0-a_b", "v1.0", " 1.0"])(
    "rejects %j",
    (version) => {
      expect(nugetComparator.parse(version)).toBeInstanceOf(VersionParseError);
      expect(nugetComparator.isValid(version)).toBe(false);
      expect(() => nugetComparator.compare(version, "1.0")).toThrow(VersionParseError);
    },
  );
});
