import { describe, expect, it } from "vitest";
import { goToolchainVersion, isDevelToolchain, osvGoVersion } from "./go-version.js";

describe("goToolchainVersion", () => {
  it.each([
    ["go1.22.3", "1.22.3"],
    ["go1.19.8", "1.19.8"],
    ["go1.19", "1.19.0"],
    ["go1.21rc2", "1.21.0-rc.2"],
    ["go1.20beta1", "1.20.0-beta.1"],
    ["go1", "1.0.0"],
    ["go1.22.3 X:boringcrypto", "1.22.3"],
    ["go1.20.10 X:strictfipsruntime", "1.20.10"],
  ])("%s is stdlib %s", (recorded, version) => {
    expect(goToolchainVersion(recorded)).toBe(version);
  });

  it.each(["devel go1.23-0a1b2c3 Tue Jan 2 2024", "gccgo", "go1.22.x", "1.22.3", ""])(
    "%j is no release",
    (recorded) => {
      expect(goToolchainVersion(recorded)).toBeUndefined();
    },
  );

  it("tells development toolchains apart", () => {
    expect(isDevelToolchain("devel go1.23-0a1b2c3")).toBe(true);
    expect(isDevelToolchain("go1.23.0")).toBe(false);
  });
});

describe("osvGoVersion", () => {
  it.each([
    ["v1.2.3", "1.2.3"],
    ["v2.0.0+incompatible", "2.0.0+incompatible"],
    ["v0.0.0-20240102030405-abcdefabcdef", "0.0.0-20240102030405-abcdefabcdef"],
    ["1.2.3", "1.2.3"],
    ["vX", "vX"],
  ])("%s → %s", (version, osv) => {
    expect(osvGoVersion(version)).toBe(osv);
  });
});
