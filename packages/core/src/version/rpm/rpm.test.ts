import { describe, expect, it } from "vitest";
import { VersionParseError } from "../errors.js";
import { checkVectors, parseOpLines, parseTsv } from "../test-support/vectors.js";
import { rpmComparator, rpmvercmp } from "./rpm.js";

describe("rpm comparator", () => {
  it.each([
    ["osv-redhat-versions.txt", 165],
    ["rpm-generated.txt", 4000],
  ])("passes every vector of %s in both directions", (file, count) => {
    const report = checkVectors(rpmComparator, parseOpLines(file));
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(count);
  });

  it("passes rpm's own rpmvercmp table (rpmvercmp.at)", () => {
    const vectors = parseTsv("rpm-rpmvercmp.tsv");
    const report = checkVectors({ compare: rpmvercmp }, vectors);
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(vectors.length);
    // rpm.vercmp parses EVR too; none of these strings has an epoch or release to split.
    expect(checkVectors(rpmComparator, vectors).failures).toEqual([]);
  });

  it("handles epochs, missing releases, tilde and caret", () => {
    expect(rpmComparator.compare("1:1.0-1", "2.0-1")).toBe(1);
    expect(rpmComparator.compare("0:1.0-1", "1.0-1")).toBe(0);
    expect(rpmComparator.compare("1.0", "1.0-1")).toBe(-1);
    expect(rpmComparator.compare("1.0~rc1-1", "1.0-1")).toBe(-1);
    expect(rpmComparator.compare("1.0^git1-1", "1.0-1")).toBe(1);
    expect(rpmComparator.compare("1.0^git1-1", "1.0.1-1")).toBe(-1);
  });

  it("splits EVR like rpm's parseEVR", () => {
    expect(rpmComparator.parse("2:1.2-3.el9")).toEqual({
      version: "2:1.2-3.el9",
      epoch: "2",
      upstream: "1.2",
      release: "3.el9",
    });
    expect(rpmComparator.parse("a:1")).toEqual({
      version: "a:1",
      epoch: undefined,
      upstream: "a:1",
      release: undefined,
    });
  });

  it.each([
    ["", "version string is empty"],
    ["1.0 1", "version contains whitespace or a control character"],
    ["1.0\t", "version contains whitespace or a control character"],
    ["1:", "version part is empty"],
    ["1:-1", "version part is empty"],
    ["-1", "version part is empty"],
  ])("rejects %j (%s)", (version, reason) => {
    const parsed = rpmComparator.parse(version);
    expect(parsed).toBeInstanceOf(VersionParseError);
    expect((parsed as VersionParseError).reason).toBe(reason);
    expect(rpmComparator.isValid(version)).toBe(false);
    expect(() => rpmComparator.compare("1.0", version)).toThrow(VersionParseError);
  });
});
