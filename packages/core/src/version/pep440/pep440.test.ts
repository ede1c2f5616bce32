import { describe, expect, it } from "vitest";
import { VersionParseError } from "../errors.js";
import {
  ascendingPairs,
  checkVectors,
  involvingInvalid,
  parseOpLines,
  readTestdata,
} from "../test-support/vectors.js";
import { normalizePep440, type Pep440Version, pep440Comparator } from "./pep440.js";

/**
 * osv's PyPI fixtures keep "legacy versions" (`0.1-bulbasaur`, `-class.-jw.util...`) that
 * packaging's LegacyVersion ordered before every PEP 440 version; the fixture's own comment
 * notes that packaging 22+ considers them invalid, and so does Vigil.
 */
const LEGACY = "legacy (non-PEP 440) version: invalid since packaging 22";

describe("pep440 comparator", () => {
  it("orders packaging's VERSIONS list (test_version.py) strictly ascending", () => {
    const list = JSON.parse(readTestdata("pep440-ascending.json")).ascending as string[];
    const report = checkVectors(pep440Comparator, ascendingPairs(list, "VERSIONS"));
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe((list.length * (list.length - 1)) / 2);
  });

  it.each([
    ["osv-pypi-versions.txt", 11],
    ["osv-pypi-versions-generated.txt", 69],
    ["pep440-generated.txt", 0],
  ])("passes every vector of %s in both directions", (file, legacy) => {
    const report = checkVectors(pep440Comparator, parseOpLines(file), [
      involvingInvalid(pep440Comparator, LEGACY),
    ]);
    expect(report.failures).toEqual([]);
    expect(report.excluded.get(LEGACY) ?? 0).toBe(legacy);
    expect(report.passed).toBeGreaterThan(0);
  });

  it("validates and normalizes like packaging (pep440-normalization-generated.txt)", () => {
    const failures: string[] = [];
    let count = 0;
    for (const line of readTestdata("pep440-normalization-generated.txt").split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      const [input, expected] = line.split("\t") as [string, string];
      const parsed = pep440Comparator.parse(input);
      const got = parsed instanceof VersionParseError ? "!" : normalizePep440(parsed);
      if (got !== expected) failures.push(`${input}: expected ${expected}, got ${got}`);
      count++;
    }
    expect(failures).toEqual([]);
    expect(count).toBe(3000);
  });

  it("passes packaging's invalid, normalization and equality cases (test_version.py)", () => {
    const cases = JSON.parse(readTestdata("pep440-cases.json")) as {
      invalid: string[];
      normalized: [string, string][];
      equal: [string, string][];
    };
    expect(cases.invalid.filter((v) => pep440Comparator.isValid(v))).toEqual([]);
    const wrong = cases.normalized
      .map(([input, normal]) => [input, normal, pep440Comparator.parse(input)] as const)
      .filter(
        ([, normal, parsed]) => parsed instanceof VersionParseError || normalizePep440(parsed) !== normal,
      );
    expect(wrong).toEqual([]);
    expect(cases.normalized.length).toBe(149);
    for (const [a, b] of cases.equal) expect(pep440Comparator.compare(a, b)).toBe(0);
  });

  it.each([
    ["1.0", "1.0"],
    ["V1.0", "1.0"],
    [" 1.0\n", "1.0"],
    ["1.0-1", "1.0.post1"],
    ["1.0.POST", "1.0.post0"],
    ["1.0_rev-2", "1.0.post2"],
    ["1.0r", "1.0.post0"],
    ["1.0-Alpha.3", "1.0a3"],
    ["1.0PREVIEW2", "1.0rc2"],
    ["1.0c", "1.0rc0"],
    ["1.0-dev", "1.0.dev0"],
    ["01!001.02a03.post04.dev05+Ubuntu-01_x", "1!1.2a3.post4.dev5+ubuntu.1.x"],
  ])("normalizes %j to %j", (input, normal) => {
    expect(normalizePep440(pep440Comparator.parse(input) as Pep440Version)).toBe(normal);
  });

  it.each([
    "",
    "1.0.",
    ".1",
    "1!",
    "!1",
    "1.0+",
    "1.0+a..b",
    "1.0+a_",
    "1.0-",
    "1.0alpha-",
    "1.0.a.b",
    "1.0 1",
    "0.1-bulbasaur",
    "french toast",
    "1.0+local+local",
  ])("rejects %j", (version) => {
    expect(pep440Comparator.parse(version)).toBeInstanceOf(VersionParseError);
    expect(pep440Comparator.isValid(version)).toBe(false);
    expect(() => pep440Comparator.compare(version, "1.0")).toThrow(VersionParseError);
  });

  it("orders dev, pre, post and local releases", () => {
    const ascending = [
      "1.0.dev1",
      "1.0a1.dev1",
      "1.0a1",
      "1.0b1",
      "1.0rc1",
      "1.0",
      "1.0+abc",
      "1.0+1",
      "1.0.post1.dev1",
      "1.0.post1",
      "1.1.dev1",
    ];
    expect(checkVectors(pep440Comparator, ascendingPairs(ascending, "ascending")).failures).toEqual([]);
    expect(pep440Comparator.compare("1.0", "1.0.0")).toBe(0);
    expect(pep440Comparator.compare("1!0.1", "2.0")).toBe(1);
  });
});
