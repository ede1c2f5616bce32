/**
 * Vigil's scores against other implementations' and vendors' scores, over the vector files in
 * testdata/ (see testdata/PROVENANCE.md for where each comes from).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cvssBaseScore } from "./parse-cvss.js";

const testdata = new URL("./testdata/", import.meta.url);

/** Lines of a vector file without comments: tab-separated columns. */
function rows(file: string): string[][] {
  return readFileSync(new URL(file, testdata), "utf8")
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.split("\t"));
}

/** Every vector whose score differs from the expected one, as `vector: got X, want Y`. */
function mismatches(expected: readonly (readonly [string, number])[]): string[] {
  const wrong: string[] = [];
  for (const [vector, want] of expected) {
    const got = cvssBaseScore(vector);
    const score = "score" in got ? got.score : got.message;
    if (score !== want) wrong.push(`${vector}: got ${score}, want ${want}`);
  }
  return wrong;
}

describe("vendor-stated scores", () => {
  // 2,942 CVEs with the CVSS 3.x base score Ubuntu's and Red Hat's OVAL files state for them.
  const oval = JSON.parse(readFileSync(new URL("cvss-from-oval.json", testdata), "utf8")) as Record<
    string,
    { vector: string; score: number }
  >;
  const entries = Object.values(oval).map((e) => [e.vector, e.score] as const);

  it("holds all 2,942 entries, 3.0 and 3.1", () => {
    expect(entries).toHaveLength(2942);
    expect(entries.filter(([v]) => v.startsWith("CVSS:3.0/")).length).toBeGreaterThan(0);
  });

  it("every OVAL score equals Vigil's", () => {
    expect(mismatches(entries)).toEqual([]);
  });
});

describe("every distinct vector of the OSV zips", () => {
  const expected = rows("osv-vectors.txt").map(([v, s]) => [v ?? "", Number(s)] as const);

  it("has v3.0, v3.1 and v4.0 vectors", () => {
    for (const prefix of ["CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/"]) {
      expect(expected.some(([v]) => v.startsWith(prefix))).toBe(true);
    }
  });

  it("parses and scores each as the oracles do", () => {
    expect(mismatches(expected)).toEqual([]);
  });
});

describe.each([
  ["cvss2-generated.txt", "2.0", 3000],
  ["cvss30-generated.txt", "3.0", 4000],
  ["cvss31-generated.txt", "3.1", 4000],
  ["cvss40-generated.txt", "4.0", 5000],
])("%s", (file, version, count) => {
  const expected = rows(file).map(([v, s]) => [v ?? "", Number(s)] as const);

  it(`holds ${count} CVSS ${version} vectors`, () => {
    expect(expected).toHaveLength(count);
    const versions = new Set(
      expected.map(([vector]) => (cvssBaseScore(vector) as { version?: string }).version),
    );
    expect([...versions]).toEqual([version]);
  });

  it("scores every vector as the oracles do", () => {
    expect(mismatches(expected)).toEqual([]);
  });
});

describe("CVSS-B of all 104,976 v4.0 base vectors", () => {
  it("equals the oracles' for each", () => {
    const impacts = ["H", "L", "N"];
    const expected: [string, number][] = [];
    for (const [head = "", scores = ""] of rows("cvss40-all-base.txt")) {
      const tens = scores.split(",").map(Number);
      let index = 0;
      for (const vc of impacts)
        for (const vi of impacts)
          for (const va of impacts)
            for (const sc of impacts)
              for (const si of impacts)
                for (const sa of impacts) {
                  const vector = `CVSS:4.0/${head}/VC:${vc}/VI:${vi}/VA:${va}/SC:${sc}/SI:${si}/SA:${sa}`;
                  expected.push([vector, (tens[index++] ?? Number.NaN) / 10]);
                }
    }
    expect(expected).toHaveLength(104_976);
    expect(mismatches(expected)).toEqual([]);
  });
});
