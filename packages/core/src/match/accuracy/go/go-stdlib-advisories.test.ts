/**
 * A Go binary's toolchain is reported as the `stdlib` module (binary/go-buildinfo), so the Go
 * vulnerability database's stdlib records must match it by Go's version rules: 1.19.8 (what
 * Debian 12's golang-go builds) is affected by both records here, 1.19.10 and 1.20.5 by none.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMemoryAdvisoryReader } from "../../../advisory/memory-advisory-reader.js";
import type { OsvRecord } from "../../../advisory/osv-record.js";
import { toAdvisory } from "../../../advisory/to-advisory.js";
import { packageUrl } from "../../../inventory/package-url.js";
import type { Package } from "../../../model/package.js";
import { matchInventory } from "../../match-inventory.js";

const reader = createMemoryAdvisoryReader({
  advisories: ["GO-2023-1751.json", "GO-2023-1840.json"].map((file) =>
    toAdvisory(
      JSON.parse(readFileSync(join(import.meta.dirname, "testdata", file), "utf8")) as OsvRecord,
      "osv",
      "2026-11-29T00:00:00Z",
    ),
  ),
});

function stdlib(version: string): Package {
  const pkg = { type: "golang" as const, name: "stdlib", version };
  return {
    ...pkg,
    purl: packageUrl(pkg, undefined),
    foundBy: "binary/go-buildinfo",
    location: { layerDigest: "sha256:layer", layerIndex: 0, path: "/usr/local/bin/app" },
  };
}

describe("Go toolchain (stdlib) against the Go vulnerability database", () => {
  it.each([
    ["1.19.8", ["GO-2023-1751", "GO-2023-1840"]],
    ["1.19.9", ["GO-2023-1840"]],
    ["1.19.10", []],
    ["1.20.4", ["GO-2023-1840"]],
    ["1.20.5", []],
    ["1.21.0-rc.2", []],
  ])("stdlib %s is affected by %j", async (version, expected) => {
    const { matches, issues } = await matchInventory({
      inventory: { packages: [stdlib(version)], issues: [] },
      reader,
    });
    expect(issues).toEqual([]);
    expect(matches.flatMap((m) => m.advisoryIds).sort()).toEqual(expected);
    for (const m of matches)
      expect(m).toMatchObject({ ecosystem: "Go", matchedName: "stdlib", status: "fixed" });
  });
});
