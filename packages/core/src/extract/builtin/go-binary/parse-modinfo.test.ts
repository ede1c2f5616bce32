import { describe, expect, it } from "vitest";
import { parseModInfo } from "./parse-modinfo.js";

describe("parseModInfo", () => {
  it("reads path, main module, dependencies and replacements, skipping blank and build lines", () => {
    // As Go 1.19 writes it: a blank line after each replacement, a tab after (devel).
    const text = [
      "path\texample.com/app/cmd/app",
      "mod\texample.com/app\t(devel)\t",
      "dep\texample.com/a\tv1.0.0\th1:a=",
      "dep\texample.com/local\tv0.0.0",
      "=>\t./local\t(devel)\t",
      "",
      "dep\texample.com/old\tv1.0.0",
      "=>\texample.com/fork\tv1.0.1\th1:f=",
      "",
      "build\t-compiler=gc",
      "build\tCGO_ENABLED=0",
      "",
    ].join("\n");
    expect(parseModInfo(text)).toEqual({
      info: {
        path: "example.com/app/cmd/app",
        main: { path: "example.com/app", version: "(devel)" },
        deps: [
          { path: "example.com/a", version: "v1.0.0", sum: "h1:a=" },
          { path: "example.com/local", version: "v0.0.0", replace: { path: "./local", version: "(devel)" } },
          {
            path: "example.com/old",
            version: "v1.0.0",
            replace: { path: "example.com/fork", version: "v1.0.1", sum: "h1:f=" },
          },
        ],
      },
      problems: [],
    });
  });

  it("reports malformed lines by line number and keeps the rest", () => {
    const text =
      "dep\texample.com/a\tv1.0.0\ndep\tno-version\n=>\texample.com/b\tv2.0.0\nfoo\tbar\ndep\t\tv1\n";
    const { info, problems } = parseModInfo(text);
    expect(info.deps).toEqual([{ path: "example.com/a", version: "v1.0.0" }]);
    expect(problems.map((p) => p.record)).toEqual([
      "modinfo line 2",
      "modinfo line 3",
      "modinfo line 4",
      "modinfo line 5",
    ]);
  });

  it("applies a replacement only to the line right before it", () => {
    const { info, problems } = parseModInfo("dep\ta\tv1.0.0\n=>\tb\tv1.0.1\n=>\tc\tv1.0.2\n");
    expect(info.deps).toEqual([{ path: "a", version: "v1.0.0", replace: { path: "b", version: "v1.0.1" } }]);
    expect(problems).toHaveLength(1);
  });

  it("tolerates CRLF line ends and an empty text", () => {
    expect(parseModInfo("dep\ta\tv1.0.0\r\n").info.deps).toEqual([{ path: "a", version: "v1.0.0" }]);
    expect(parseModInfo("")).toEqual({ info: { deps: [] }, problems: [] });
  });
});
