import { describe, expect, it } from "vitest";
import { cvssRating } from "./cvss-rating.js";

describe("cvssRating", () => {
  it.each([
    [0, "none"],
    [0.1, "low"],
    [3.9, "low"],
    [4.0, "medium"],
    [6.9, "medium"],
    [7.0, "high"],
    [8.9, "high"],
    [9.0, "critical"],
    [10, "critical"],
  ] as const)("v3.0, v3.1, v4.0: %s is %s (FIRST's scale)", (score, rating) => {
    for (const version of ["3.0", "3.1", "4.0"] as const) expect(cvssRating(score, version)).toBe(rating);
  });

  it.each([
    [0, "low"],
    [3.9, "low"],
    [4.0, "medium"],
    [6.9, "medium"],
    [7.0, "high"],
    [10, "high"],
  ] as const)("v2: %s is %s (NVD's scale: no none, no critical)", (score, rating) => {
    expect(cvssRating(score, "2.0")).toBe(rating);
  });

  it("rejects a score outside 0..10 as a programming error", () => {
    for (const score of [-0.1, 10.1, Number.NaN]) expect(() => cvssRating(score, "3.1")).toThrow(RangeError);
  });
});
