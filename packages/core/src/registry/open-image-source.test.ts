import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ImageReferenceError } from "./errors.js";
import { normalizeImageReference, openImageSource, parseImageSourceTarget } from "./open-image-source.js";
import { InvalidPlatformError } from "./platform.js";

describe("openImageSource argument syntax", () => {
  it("chooses the source by prefix and splits path and tag using the disk", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vigil-target-"));
    const withColon = join(dir, "a:b");
    await writeFile(withColon, "");
    expect(await parseImageSourceTarget(`oci:${dir}`)).toEqual({ kind: "oci", path: dir });
    expect(await parseImageSourceTarget(`oci:${dir}:v1`)).toEqual({ kind: "oci", path: dir, tag: "v1" });
    expect(await parseImageSourceTarget(`oci-archive:${withColon}`)).toEqual({
      kind: "oci-archive",
      path: withColon,
    });
    expect(await parseImageSourceTarget(`oci-archive:${withColon}:t`)).toEqual({
      kind: "oci-archive",
      path: withColon,
      tag: "t",
    });
    expect(await parseImageSourceTarget(`docker-archive:${withColon}:repo/x:1.0`)).toEqual({
      kind: "docker-archive",
      path: withColon,
      tag: "repo/x:1.0",
    });
    expect(await parseImageSourceTarget("alpine:3.19")).toEqual({
      kind: "registry",
      reference: "alpine:3.19",
    });
    expect(await parseImageSourceTarget("docker://ghcr.io/a/b")).toEqual({
      kind: "registry",
      reference: "ghcr.io/a/b",
    });
  });

  it("validates registry references and platforms before any network access", async () => {
    await expect(openImageSource("Not/Valid")).rejects.toBeInstanceOf(ImageReferenceError);
    await expect(openImageSource("alpine", { platform: "linux" })).rejects.toBeInstanceOf(
      InvalidPlatformError,
    );
    await expect(openImageSource("alpine", { caFile: "/nonexistent/ca.pem" })).rejects.toThrow(
      /CA certificate file/,
    );
    const source = await openImageSource("alpine");
    expect(source.description).toBe("registry docker.io/library/alpine:latest");
    await source.close?.();
    expect(normalizeImageReference("alpine")).toBe("docker.io/library/alpine:latest");
  });
});
