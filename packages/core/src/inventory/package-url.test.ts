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
