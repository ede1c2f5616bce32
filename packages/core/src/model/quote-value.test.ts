import { describe, expect, it } from "vitest";
import { quoteValue } from "./quote-value.js";

describe("quoteValue", () => {
  it("quotes strings, cut at 80 characters", () => {
    expect(quoteValue('a "b"')).toBe('"a \\"b\\""');
    expect(quoteValue("x".repeat(200))).toBe(`"${"x".repeat(80)}…"`);
  });

  it("names arrays and objects without walking them, however deep", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(quoteValue(deep)).toBe("an object");
    expect(quoteValue([deep, 2])).toBe("an array of 2");
  });

  it("writes other values as they are", () => {
    expect([null, undefined, 3, true, 10n].map(quoteValue)).toEqual(["null", "undefined", "3", "true", "10"]);
  });
});
