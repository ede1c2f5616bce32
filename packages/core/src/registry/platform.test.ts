import { describe, expect, it } from "vitest";
import type { Descriptor } from "../model/image.js";
import { PlatformNotFoundError } from "./errors.js";
import {
  choosePlatformManifest,
  formatPlatform,
  InvalidPlatformError,
  normalizePlatform,
  parsePlatform,
} from "./platform.js";

const entry = (platform: Descriptor["platform"], n: number): Descriptor => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 100,
  ...(platform ? { platform } : {}),
});

describe("platforms", () => {
  it("parses and formats", () => {
    expect(parsePlatform("linux/arm64/v8")).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    expect(parsePlatform("linux/amd64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(formatPlatform({ os: "linux", architecture: "arm", variant: "v7" })).toBe("linux/arm/v7");
    for (const bad of ["linux", "linux/", "a/b/c/d", "linux/amd 64"]) {
      expect(() => parsePlatform(bad), bad).toThrow(InvalidPlatformError);
    }
  });

  it("normalizes architecture aliases and default variants", () => {
    expect(normalizePlatform({ os: "Linux", architecture: "x86_64" })).toEqual({
      os: "linux",
      architecture: "amd64",
    });
    expect(normalizePlatform({ os: "linux", architecture: "aarch64" })).toEqual({
      os: "linux",
      architecture: "arm64",
      variant: "v8",
    });
    expect(normalizePlatform({ os: "linux", architecture: "armhf" })).toMatchObject({
      architecture: "arm",
      variant: "v7",
    });
    expect(normalizePlatform({ os: "linux", architecture: "arm", variant: "6" })).toMatchObject({
      variant: "v6",
    });
  });

  const index = [
    entry({ os: "linux", architecture: "amd64" }, 1),
    entry({ os: "linux", architecture: "arm64", variant: "v8" }, 2),
    entry({ os: "linux", architecture: "arm", variant: "v6" }, 3),
    entry({ os: "unknown", architecture: "unknown" }, 4),
    entry({ os: "windows", architecture: "amd64", osVersion: "10.0.17763.1" }, 5),
  ];

  it("chooses by platform with normalization", () => {
    expect(choosePlatformManifest(index, { os: "linux", architecture: "amd64" }, "idx").digest).toBe(
      index[0]!.digest,
    );
    expect(choosePlatformManifest(index, { os: "linux", architecture: "x86_64" }, "idx").digest).toBe(
      index[0]!.digest,
    );
    expect(choosePlatformManifest(index, parsePlatform("linux/arm64"), "idx").digest).toBe(index[1]!.digest);
    expect(choosePlatformManifest(index, parsePlatform("linux/aarch64"), "idx").digest).toBe(
      index[1]!.digest,
    );
    // arm/v7 can run v6 binaries when nothing better is offered.
    expect(choosePlatformManifest(index, parsePlatform("linux/arm/v7"), "idx").digest).toBe(index[2]!.digest);
    expect(choosePlatformManifest(index, parsePlatform("windows/amd64"), "idx").digest).toBe(
      index[4]!.digest,
    );
  });

  it("prefers an exact variant over a compatible one", () => {
    const arm = [
      entry({ os: "linux", architecture: "arm", variant: "v6" }, 1),
      entry({ os: "linux", architecture: "arm", variant: "v7" }, 2),
    ];
    expect(choosePlatformManifest(arm, parsePlatform("linux/arm"), "idx").digest).toBe(arm[1]!.digest);
  });

  it("lists what the index offers when nothing matches (attestations left out)", () => {
    let error: unknown;
    try {
      choosePlatformManifest(index, parsePlatform("linux/s390x"), "index sha256:x of registry r/x");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain("linux/s390x");
    expect(message).toContain("linux/amd64, linux/arm64/v8, linux/arm/v6, windows/amd64");
    expect(message).not.toContain("unknown");
    expect(message).toContain("--platform");
  });

  it("takes a lone entry without platform", () => {
    const one = [entry(undefined, 7)];
    expect(choosePlatformManifest(one, parsePlatform("linux/arm64"), "idx")).toBe(one[0]);
  });
});
