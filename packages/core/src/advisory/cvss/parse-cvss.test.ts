import { describe, expect, it } from "vitest";
import { roundUpV30, roundUpV31 } from "./cvss-v3.js";
import { CvssError } from "./cvss-vector.js";
import { cvssBaseScore, parseCvss } from "./parse-cvss.js";

/**
 * FIRST's "Common Vulnerability Scoring System v4.0: Examples" (document version 1.7.1,
 * https://www.first.org/cvss/v4.0/examples): each example's table gives a v3.1 base vector and
 * score and a v4.0 vector and score. Listed are the v4.0 vectors whose stated score is CVSS-B:
 * base-only vectors, and Base+Threat vectors with E:A (which scores as E not defined).
 * Supplemental metrics (S, V, R, AU, RE) do not change scores. Where the document's running
 * text names another score than its table (CVE-2023-48228, CVE-2016-5729, CVE-2015-2890,
 * CVE-2018-3652, CVE-2026-31431), the table's is used: it is the one FIRST's calculator and
 * both oracles of scripts/generate-cvss-vectors compute. Left out: CVE-2021-44228 variation 1,
 * whose "v4.0 Base" 8.2 is the score with E:P of CVE-2024-6387 (its base vector scores 9.2).
 */
const FIRST_V40_EXAMPLES: readonly (readonly [string, string, number])[] = [
  ["CVE-2022-41741", "CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.3],
  ["CVE-2020-3549", "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.7],
  ["CVE-2023-3089", "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N", 8.3],
  ["CVE-2021-44714", "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 4.6],
  ["CVE-2022-21830", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1],
  ["CVE-2022-22186", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 6.9],
  ["CVE-2023-21989", "CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N", 5.9],
  ["CVE-2020-3947", "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 9.4],
  ["CVE-2023-48228", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:N/SC:H/SI:H/SA:H", 9.3],
  ["CVE-2023-30560", "CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:N/S:P/V:D", 8.3],
  ["CVE-2026-48172", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A", 10],
  ["CVE-2014-0160", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:A", 8.7],
  ["CVE-2021-44228", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A", 9.3],
  ["CVE-2013-6014", "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:H/SI:N/SA:H", 6.4],
  ["CVE-2016-5729", "CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/R:I", 8.4],
  ["CVE-2015-2890", "CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/R:I", 7.1],
  ["CVE-2018-3652", "CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.0],
  ["CVE-2023-30545", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 7.1],
  ["CVE-2021-23846", "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 8.2],
  ["CVE-2023-22394", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:L", 8.7],
  ["CVE-2022-24682 v1", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:L/VI:L/VA:N/SC:L/SI:L/SA:N", 5.1],
  ["CVE-2020-0926", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1],
  ["CVE-2024-55228", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:L/SI:L/SA:N", 8.5],
  ["CVE-2023-5602", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", 5.1],
  ["CVE-2022-20759", "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.7],
  ["CVE-2021-34724", "CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N", 8.3],
  ["CVE-2023-28311", "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5],
  ["CVE-2022-22965", "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A", 9.2],
  ["CVE-2022-20826", "CVSS:4.0/AV:P/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 5.4],
  ["CVE-2022-21500", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 8.7],
  ["CVE-2021-32570", "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 6.9],
  ["CVE-2022-26134", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3],
  ["CVE-2023-20245", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N", 6.9],
  ["CVE-2023-20245 v1", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:L/SI:N/SA:H", 7.8],
  ["CVE-2024-1233", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:L/SI:L/SA:L", 6.9],
  ["CVE-2023-28728", "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P", 8.5],
  [
    "CVE-2022-47379",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:P/AU:Y/V:C/RE:L",
    9.4,
  ],
  ["CVE-2020-10627", "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/S:P", 8.6],
  ["CVE-2020-28196", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/V:C", 8.7],
  ["CVE-2023-20048", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H", 6.4],
  ["CVE-2024-23897", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10],
  ["CVE-2026-31431", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5],
];

/** The v3.x base vectors and scores of the same document's tables (one is a CVSS:3.0 vector). */
const FIRST_V3_EXAMPLES: readonly (readonly [string, number])[] = [
  ["CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.0],
  ["CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5],
  ["CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.3],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:L/A:N", 7.2],
  ["CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:N/A:N", 6.0],
  ["CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 9.3],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 7.5],
  ["CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8],
  ["CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3],
  ["CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 8.2],
  ["CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:N/I:H/A:H", 6.0],
  ["CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 7.6],
  ["CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 6.5],
  ["CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5],
  ["CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4],
  ["CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H", 9.0],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:L/A:N", 4.3],
  ["CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8],
  ["CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:N", 6.0],
  ["CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8],
  ["CVSS:3.1/AV:P/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.4],
  ["CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:N/A:N", 4.9],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 5.8],
  ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L", 7.3],
  ["CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8],
  ["CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", 8.1],
  ["CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:L/A:H", 9.9],
  ["CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8],
];

/**
 * v2 base vectors with the score NVD states for them; the first three are the worked examples
 * of FIRST's CVSS v2 guide, section 3.3 (CVE-2002-0392, CVE-2003-0818, CVE-2003-0062).
 */
const V2_EXAMPLES: readonly (readonly [string, number])[] = [
  ["AV:N/AC:L/Au:N/C:N/I:N/A:C", 7.8],
  ["AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0],
  ["AV:L/AC:H/Au:N/C:C/I:C/A:C", 6.2],
  // The classic local root: 7.2. Its Impact 10.41 × (1 − 0.34³) is 10.0008, not capped at 10
  // (the cap belongs to the environmental equation); capping it would give 7.1.
  ["AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2],
  ["AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5],
  ["AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3],
  ["AV:N/AC:L/Au:N/C:N/I:N/A:N", 0.0],
];

describe("worked examples", () => {
  it.each(FIRST_V40_EXAMPLES)("v4.0 %s: %s → %s", (_cve, vector, score) => {
    expect(cvssBaseScore(vector)).toEqual({ version: "4.0", score, vector });
  });

  it.each(FIRST_V3_EXAMPLES)("%s → %s", (vector, score) => {
    expect(cvssBaseScore(vector)).toEqual({ version: vector.slice(5, 8), score, vector });
  });

  it.each(V2_EXAMPLES)("v2 %s → %s", (vector, score) => {
    expect(cvssBaseScore(vector)).toEqual({ version: "2.0", score, vector });
  });
});

describe("version rounding", () => {
  it("v3.0 rounds up with ceil(x × 10) / 10, v3.1 with Appendix A's Roundup", () => {
    // The specifications' own examples: Round up (4.02) is 4.1, Round up (4.00) is 4.0.
    for (const roundUp of [roundUpV30, roundUpV31]) {
      expect([roundUp(4.02), roundUp(4.0), roundUp(0), roundUp(10)]).toEqual([4.1, 4.0, 0, 10]);
    }
    // Floating-point noise just above a tenth: v3.0 moves up, v3.1 does not. No v3 base score
    // reaches this case (all 2,592 base vectors score the same in both versions, see
    // testdata/cvss30-generated.txt and cvss31-generated.txt); temporal and environmental do.
    expect(roundUpV30(4.000000000000001)).toBe(4.1);
    expect(roundUpV31(4.000000000000001)).toBe(4.0);
  });

  it("v4.0 rounds an exact tie x.x5 up, though floating point lands a hair below it", () => {
    // Interpolates to 5.65 exactly (5.6499999999999995 in floating point).
    const vector = "CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:A/VC:L/VI:H/VA:N/SC:N/SI:L/SA:N";
    expect(cvssBaseScore(vector)).toMatchObject({ score: 5.7 });
  });

  it("scores 0 when nothing is impacted, whatever the exploitability", () => {
    expect(cvssBaseScore("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N")).toMatchObject({
      score: 0,
    });
    expect(cvssBaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N")).toMatchObject({ score: 0 });
  });
});

describe("optional metrics", () => {
  it("are validated but do not change the base score", () => {
    const base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    const full = `${base}/E:U/CR:L/IR:L/AR:L/MAV:P/MAC:H/MAT:P/MPR:H/MUI:A/MVC:N/MVI:N/MVA:N/MSC:N/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Amber`;
    expect(cvssBaseScore(full)).toMatchObject({ score: 9.3 });
    expect(cvssBaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U/MAV:P")).toMatchObject({
      score: 9.8,
    });
    expect(
      cvssBaseScore("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:U/RL:OF/RC:UC/CDP:N/TD:N/CR:L/IR:L/AR:L"),
    ).toMatchObject({
      score: 7.5,
    });
  });

  it("may come in any order", () => {
    expect(cvssBaseScore("CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/A:H/I:H/C:H")).toMatchObject({ score: 9.8 });
    expect(cvssBaseScore("CVSS:4.0/SA:N/SI:N/SC:N/VA:H/VI:H/VC:H/UI:N/PR:N/AT:N/AC:L/AV:N")).toMatchObject({
      score: 9.3,
    });
    expect(cvssBaseScore("A:P/I:P/C:P/Au:N/AC:L/AV:N")).toMatchObject({ score: 7.5 });
  });

  it("keep the vector as given and list its metrics", () => {
    const parsed = parseCvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P");
    expect(parsed).toEqual({
      version: "3.1",
      vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P",
      metrics: { AV: "N", AC: "L", PR: "N", UI: "N", S: "U", C: "H", I: "H", A: "H", E: "P" },
    });
  });
});

describe("malformed vectors", () => {
  /** [vector, the metric the error must name (or undefined), a phrase of the reason] */
  const cases: readonly (readonly [string, string | undefined, string])[] = [
    // v2
    ["AV:N/AC:L/Au:N/C:P/I:P", "A", "missing base metric A (Availability Impact)"],
    ["AV:N/AC:L/Au:N/C:P/I:P/A:P/AV:L", "AV", "duplicate metric AV"],
    ["AV:N/AC:L/Au:N/C:P/I:P/A:X", "A", 'invalid value "X" for metric A'],
    ["AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X", "E", 'invalid value "X" for metric E'],
    ["AV:N/AC:L/Au:N/C:P/I:P/A:P/XX:Y", "XX", "unknown metric XX for CVSS 2.0"],
    [
      "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      "PR",
      'PR is a CVSS v3/v4 metric, and those vectors start with "CVSS:3.x/"',
    ],
    ["av:n/ac:l/au:n/c:p/i:p/a:p", "av", "unknown metric av"],
    ["(AV:N/AC:L/Au:N/C:P/I:P/A:P)", "(AV", "unknown metric (AV"],
    // v3.0 / v3.1
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "A", "missing base metric A (Availability)"],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", "S", "missing base metric S (Scope)"],
    ["CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/C:L", "C", "duplicate metric C"],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AT:N", "AT", "unknown metric AT for CVSS 3.1"],
    ["CVSS:3.1/AV:N/AC:L/Au:N/PR:N/UI:N/S:U/C:H/I:H/A:H", "Au", "Au is a CVSS v2 metric"],
    ["CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV", 'invalid value "X" for metric AV (Attack Vector)'],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:P/S:U/C:H/I:H/A:H", "UI", 'invalid value "P" for metric UI'],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:A", "E", 'invalid value "A" for metric E'],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", undefined, 'empty metric (a trailing "/")'],
    ["CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", undefined, 'empty metric (a doubled "/")'],
    ["CVSS:3.1/AV:N/AC/PR:N/UI:N/S:U/C:H/I:H/A:H", undefined, '"AC" is not metric:value'],
    ["CVSS:3.1/", undefined, "no metrics"],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H ", "A", 'invalid value "H " for metric A'],
    // v4.0
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", "SA", "missing base metric SA"],
    ["CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "AT", "missing base metric AT"],
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/E:U", "E", "duplicate metric E"],
    [
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
      "UI",
      'invalid value "R" for metric UI',
    ],
    [
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
      "SI",
      'invalid value "S" for metric SI',
    ],
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S", "MSC", 'invalid value "S"'],
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:red", "U", 'invalid value "red"'],
    [
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
      "S",
      'invalid value "U" for metric S',
    ],
    [
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/RL:O",
      "RL",
      "unknown metric RL for CVSS 4.0",
    ],
    // prefixes
    ["CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", undefined, 'unknown version prefix "CVSS:2.0"'],
    ["CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", undefined, 'unknown version prefix "CVSS:3.2"'],
    ["CVSS:4.0", undefined, 'unknown version prefix "CVSS:4.0"'],
    ["cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "cvss", "unknown metric cvss for CVSS 2.0"],
    ["CVSS:3.1AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", undefined, 'unknown version prefix "CVSS:3.1AV:N"'],
    ["", undefined, "empty vector"],
  ];

  it.each(cases)("%s", (vector, metric, reason) => {
    for (const result of [parseCvss(vector), cvssBaseScore(vector)]) {
      expect(result).toBeInstanceOf(CvssError);
      const error = result as CvssError;
      expect(error.vector).toBe(vector);
      expect(error.metric).toBe(metric);
      expect(error.reason).toContain(reason);
      expect(error.message).toContain(reason);
    }
  });

  it("never throws on arbitrary strings", () => {
    const alphabet = [
      "CVSS:",
      "3.1",
      "4.0",
      "/",
      ":",
      "AV",
      "N",
      "H",
      "X",
      "S",
      "U",
      "Au",
      "",
      " ",
      "\u0000",
    ];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 20_000; i++) {
      const length = next() % 24;
      const vector = Array.from({ length }, () => alphabet[next() % alphabet.length]).join("");
      expect(() => cvssBaseScore(vector)).not.toThrow();
    }
  });
});
