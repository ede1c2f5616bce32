import { describe, expect, it } from "vitest";
import { VersionParseError } from "../errors.js";
import { checkVectors, parseOpLines } from "../test-support/vectors.js";
import { composerComparator } from "./composer.js";

describe("composer comparator", () => {
  it.each([
    ["osv-packagist-versions.txt", 95],
    ["osv-packagist-versions-generated.txt", 10630],
    ["composer-generated.txt", 4000],
  ])("passes every vector of %s in both directions", (file, count) => {
    const report = checkVectors(composerComparator, parseOpLines(file));
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(count);
  });

  it("orders special words around numbers as PHP's version_compare does", () => {
    expect(composerComparator.compare("1.0-dev", "1.0-alpha1")).toBe(-1);
    expect(composerComparator.compare("1.0-RC1", "1.0")).toBe(-1);
    expect(composerComparator.compare("1.0", "1.0-p1")).toBe(-1);
    expect(composerComparator.compare("1.0.0", "1.0")).toBe(1);
    expect(composerComparator.compare("v2.0", "2.0")).toBe(0);
    expect(composerComparator.compare("dev-main", "0.0.1")).toBe(-1);
  });

  it.each(["", "v", " 1.0", "1.0 ", "1. 0", "...", "-"])("rejects %j", (version) => {
    expect(composerComparator.parse(version)).toBeInstanceOf(VersionParseError);
    expect(composerComparator.isValid(version)).toBe(false);
    expect(() => composerComparator.compare(version, "1.0")).toThrow(VersionParseError);
  });
});
