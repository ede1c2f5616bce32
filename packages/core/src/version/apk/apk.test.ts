import { describe, expect, it } from "vitest";
import type { CompareResult } from "../comparator.js";
import { VersionParseError } from "../errors.js";
import {
  checkVectors,
  type Exclusion,
  involvingInvalid,
  parseOpLines,
  readTestdata,
  type Vector,
} from "../test-support/vectors.js";
import { type ApkVersion, apkComparator, apkFuzzyMatch } from "./apk.js";

/** apk-tools' version.data: `a OP b`, `a !OP b`, bare `v` (valid), `!v` (invalid); `#` comments. */
function readApkToolsData() {
  const ordered: Vector[] = [];
  const negated: { a: string; op: string; b: string; where: string }[] = [];
  const fuzzy: { a: string; op: string; b: string; negate: boolean; where: string }[] = [];
  const valid: string[] = [];
  const invalid: string[] = [];
  readTestdata("apk-tools-version.data")
    .split("\n")
    .forEach((raw, index) => {
      const line = raw.replace(/#.*/, "").trim();
      const where = `apk-tools-version.data:${index + 1}`;
      if (line === "" && !raw.startsWith("!")) return;
      const fields = line.split(/\s+/);
      if (fields.length === 1) {
        const v = fields[0]!;
        if (v.startsWith("!")) invalid.push(v.slice(1));
        else valid.push(v);
        return;
      }
      const [a, rawOp, b] = fields as [string, string, string];
      const negate = rawOp.startsWith("!");
      const op = negate ? rawOp.slice(1) : rawOp;
      if (op.includes("~")) fuzzy.push({ a, op, b, negate, where });
      else if (negate) negated.push({ a, op, b, where });
      else
        ordered.push({
          a,
          b,
          expected: ({ "<": -1, "=": 0, ">": 1 } as const)[op as "<" | "=" | ">"],
          where,
        });
    });
  return { ordered, negated, fuzzy, valid, invalid };
}

const data = readApkToolsData();

/**
 * apk-tools compares even strings it rejects, falling back to a plain string order ("invalid.
 * do string sort" in version.data; osv's fixtures keep such lines, documenting that the result
 * changed between apk 2.x and 3.x). Vigil reports these versions as malformed instead.
 */
const INVALID_IN_APK = "compares a version apk-tools' own grammar marks invalid (string-sort fallback)";

/**
 * apk-tools 3 marks `0.1a1` invalid, but apk-tools 2.x (Alpine up to 3.21) accepts a letter
 * followed by digits and Alpine's secdb uses it (`6.0.2p1-r0`, `1.9.5p2-r1`; osv's generated
 * fixtures from real secdb data too). Vigil follows 2.x here so those advisories stay usable.
 */
const APK2_LETTER_DIGITS = ["0.1a1"];

describe("apk comparator", () => {
  it("passes apk-tools' ordered vectors in both directions", () => {
    const report = checkVectors(apkComparator, data.ordered, [
      involvingInvalid(apkComparator, INVALID_IN_APK),
    ]);
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(data.ordered.length - 2);
    // `23_foo > 4_beta` and `1.0 < 1.0bc # invalid. do string sort`
    expect(report.excluded.get(INVALID_IN_APK)).toBe(2);
  });

  it("passes apk-tools' negated vectors (a !op b)", () => {
    const failures = data.negated.filter(({ a, op, b }) => holds(apkComparator.compare(a, b), op));
    expect(failures).toEqual([]);
  });

  it("passes apk-tools' fuzzy-match vectors (~, <~, >~)", () => {
    const failures = data.fuzzy.filter(({ a, op, b, negate }) => {
      const pa = apkComparator.parse(a) as ApkVersion;
      const pb = apkComparator.parse(b) as ApkVersion;
      const r = apkComparator.compare(a, b);
      const result = apkFuzzyMatch(pa, pb) || (op.includes("<") && r < 0) || (op.includes(">") && r > 0);
      return result === negate;
    });
    expect(failures).toEqual([]);
    expect(data.fuzzy.length).toBe(16);
  });

  it("accepts apk-tools' valid and rejects its invalid versions", () => {
    expect(data.valid.filter((v) => !apkComparator.isValid(v))).toEqual([]);
    const invalid = data.invalid.filter((v) => !APK2_LETTER_DIGITS.includes(v));
    expect(invalid.filter((v) => apkComparator.isValid(v))).toEqual([]);
    expect(data.valid.length).toBe(6);
    expect(invalid.length).toBe(24);
    for (const v of invalid) expect(apkComparator.parse(v)).toBeInstanceOf(VersionParseError);
  });

  it("accepts a letter followed by digits, as apk-tools 2.x does for real secdb versions", () => {
    expect(APK2_LETTER_DIGITS.every((v) => data.invalid.includes(v))).toBe(true);
    expect(apkComparator.isValid("6.0.2p1-r0")).toBe(true);
    expect(apkComparator.compare("6.0.2p1-r0", "6.0.2p2-r0")).toBe(-1);
    expect(apkComparator.compare("6.0.2p1-r0", "6.0.3-r0")).toBe(-1);
    expect(apkComparator.compare("6.0.2p1", "6.0.2_p1")).toBe(1);
  });

  it.each([
    ["osv-alpine-versions.txt", 33],
    ["osv-alpine-versions-generated.txt", 0],
  ])("passes every valid vector of %s in both directions", (file, excluded) => {
    const exclusions: Exclusion[] = [involvingInvalid(apkComparator, INVALID_IN_APK)];
    const report = checkVectors(apkComparator, parseOpLines(file), exclusions);
    expect(report.failures).toEqual([]);
    expect(report.excluded.get(INVALID_IN_APK) ?? 0).toBe(excluded);
  });

  it("orders suffixes, letters, hashes and revisions", () => {
    expect(apkComparator.compare("1.0_alpha1", "1.0_beta")).toBe(-1);
    expect(apkComparator.compare("1.0_rc9", "1.0")).toBe(-1);
    expect(apkComparator.compare("1.0_p1", "1.0")).toBe(1);
    expect(apkComparator.compare("1.0_p1", "1.0.1")).toBe(-1);
    expect(apkComparator.compare("1.0a", "1.0_p9")).toBe(1);
    expect(apkComparator.compare("1.0-r1", "1.0")).toBe(1);
    expect(apkComparator.compare("1.0-r10", "1.0-r9")).toBe(1);
    expect(apkComparator.compare("1.02", "1.1")).toBe(-1);
    expect(apkComparator.compare("1.0_git20240101123456789012", "1.0_git20240101123456789011")).toBe(1);
  });
});

function holds(r: CompareResult, op: string): boolean {
  return (op.includes("<") && r < 0) || (op.includes("=") && r === 0) || (op.includes(">") && r > 0);
}
