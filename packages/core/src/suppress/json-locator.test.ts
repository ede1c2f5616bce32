import { describe, expect, it } from "vitest";
import { jsonSyntaxError, MAX_JSON_DEPTH, MAX_LOCATED_TEXT, parseJsonWithLocations } from "./json-locator.js";

describe("jsonSyntaxError", () => {
  it.each([
    ['{"a":[1,2,{"b":null}],"c":-1.5e+3,"d":"\\u00e9\\n"}', undefined],
    [" [ ] ", undefined],
    ["[1,]", 3],
    ["[1 2]", 3],
    ['{"a" 1}', 5],
    ["{x}", 1],
    ['{"a":1}}', 7],
    ['{"a": tru}', 6],
    ['{"a":"\\q"}', 7],
    ["01", 1],
    ["", 0],
  ])("%j: error at %s, exactly when JSON.parse rejects it", (text, offset) => {
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    expect(jsonSyntaxError(text)?.offset).toBe(offset);
    expect(offset === undefined).toBe(valid);
  });
});

describe("parseJsonWithLocations", () => {
  it("locates values by JSON pointer", () => {
    const parsed = parseJsonWithLocations('{\n  "a": [\n    1,\n    {"b/c": "x", "d~e": 2}\n  ]\n}\n');
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.locate("/a/1/b~1c")).toEqual({ line: 4, column: 13 });
    expect(parsed.locate("/a/1/d~0e")).toEqual({ line: 4, column: 25 });
    expect(parsed.locate("/a/0")).toEqual({ line: 3, column: 5 });
    expect(parsed.locate("/missing")).toBeUndefined();
  });

  it("gives the line and column of a syntax error", () => {
    expect(parseJsonWithLocations('{\n  "a": [1,]\n}')).toEqual({
      ok: false,
      message: 'unexpected "]"',
      line: 2,
      column: 11,
    });
  });

  it("refuses a document nested past the limit where it goes too deep, valid or not, without recursing", () => {
    const deep = (n: number) => `{\n"a": ${"[".repeat(n)}1${"]".repeat(n)}}`;
    expect(parseJsonWithLocations(deep(MAX_JSON_DEPTH - 1)).ok).toBe(true);
    for (const text of [deep(50_000), `${deep(50_000)},`, `{\n"s": "[[[[", "a": ${"[".repeat(200)}`]) {
      expect(parseJsonWithLocations(text)).toEqual({
        ok: false,
        message: `nested deeper than ${MAX_JSON_DEPTH} levels`,
        line: 2,
        column: text.startsWith('{\n"s"') ? 19 + MAX_JSON_DEPTH - 1 : 6 + MAX_JSON_DEPTH - 1,
      });
    }
  });

  it("gives no positions in a text over the size limit, whose problems keep their pointers", () => {
    const big = `{"pad": "${"x".repeat(MAX_LOCATED_TEXT)}",\n"a": [1]}`;
    const parsed = parseJsonWithLocations(big);
    expect(parsed.ok && parsed.locate("/a/0")).toBeUndefined();
    const small = parseJsonWithLocations('{"pad": "x",\n"a": [1]}');
    expect(small.ok && small.locate("/a/0")).toEqual({ line: 2, column: 7 });
  });
});
