import { describe, expect, it } from "vitest";
import { jsonSyntaxError, parseJsonWithLocations } from "./json-locator.js";

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
});
