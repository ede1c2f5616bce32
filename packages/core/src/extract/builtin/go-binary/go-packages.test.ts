import { describe, expect, it } from "vitest";
import { goPackages } from "./go-packages.js";

describe("goPackages", () => {
  it("leaves out modules replaced by directories of any spelling, with an info issue each", () => {
    const deps = ["./a", "../b", "/src/c", "C:\\src\\d", ".\\e"].map((dir, i) => ({
      path: `example.com/m${i}`,
      version: "v0.0.0",
      replace: { path: dir, version: "(devel)" },
    }));
    const { packages, issues } = goPackages("go1.22.3", { deps });
    expect(packages.map((p) => p.name)).toEqual(["stdlib"]);
    expect(issues.map((i) => [i.severity, i.code, i.record])).toEqual(
      deps.map((d) => ["info", "go-buildinfo-directory-replacement", d.path]),
    );
  });

  it("flags a module without a version instead of guessing one", () => {
    const { packages, issues } = goPackages("go1.22.3", {
      deps: [
        { path: "example.com/x", version: "" },
        { path: "example.com/y", version: "v1.0.0", replace: { path: "example.com/z", version: "" } },
      ],
    });
    expect(packages.map((p) => p.name)).toEqual(["stdlib"]);
    expect(issues.map((i) => [i.code, i.record])).toEqual([
      ["go-buildinfo-module-without-version", "example.com/x"],
      ["go-buildinfo-module-without-version", "example.com/y"],
    ]);
  });
});
