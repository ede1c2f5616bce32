import { describe, expect, it } from "vitest";
import { packageUrl } from "./package-url.js";

describe("packageUrl for npm", () => {
  it("puts a scope in the namespace (PURL-TYPES.rst: pkg:npm/%40angular/animation@12.3.1)", () => {
    expect(packageUrl({ type: "npm", name: "@angular/animation", version: "12.3.1" }, undefined)).toBe(
      "pkg:npm/%40angular/animation@12.3.1",
    );
  });

  it("leaves unscoped names alone", () => {
    expect(packageUrl({ type: "npm", name: "express", version: "4.17.1" }, undefined)).toBe(
      "pkg:npm/express@4.17.1",
    );
  });
});

describe("packageUrl for Go modules", () => {
  it("puts the module path before its last element in the namespace (PURL-TYPES.rst, golang)", () => {
    expect(packageUrl({ type: "golang", name: "github.com/gorilla/mux", version: "1.8.0" }, undefined)).toBe(
      "pkg:golang/github.com/gorilla/mux@1.8.0",
    );
    expect(packageUrl({ type: "golang", name: "example.com/greet/v2", version: "2.1.0" }, undefined)).toBe(
      "pkg:golang/example.com/greet/v2@2.1.0",
    );
  });

  it("leaves the toolchain's stdlib alone", () => {
    expect(packageUrl({ type: "golang", name: "stdlib", version: "1.19.8" }, undefined)).toBe(
      "pkg:golang/stdlib@1.19.8",
    );
  });
});
