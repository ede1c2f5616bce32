import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ContentNotFoundError, DigestMismatchError, LocalSourceError } from "./errors.js";
import { openImageSource } from "./open-image-source.js";
import { digestOf } from "./test-support/streams.js";

const gcr = join(import.meta.dirname, "testdata/go-containerregistry/pkg/v1/layout/testdata");

describe("OCI layout directory", () => {
  it("resolves a single-image layout without a tag and reads verified blobs", async () => {
    const source = await openImageSource(`oci:${gcr}/test_index_one_image`);
    const image = await source.resolve();
    expect(image.manifestDigest).toBe(
      "sha256:98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46",
    );
    expect(image.reference).toBe(`oci:${gcr}/test_index_one_image`);
    expect(image.layers).toHaveLength(1);
    expect(image.config.diffIds).toHaveLength(1);
    for (const layer of image.layers) {
      expect(await digestOf(await source.openBlob(layer))).toEqual({
        digest: layer.digest,
        size: layer.size,
      });
    }
    // A descriptor with the wrong size is refused by the verified stream.
    const wrong = { ...image.layers[0]!, size: image.layers[0]!.size + 1 };
    await expect(digestOf(await source.openBlob(wrong))).rejects.toThrow(/wrong size/);
  });

  it("picks images by tag, through an index and a Docker manifest list", async () => {
    for (const [tag, manifest] of [
      ["1", "sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650"],
      ["2", "sha256:32589985702551b6c56033bb3334432a0a513bf9d6aceda0f67c42b003850720"],
      ["3", "sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650"],
      ["4", "sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650"],
    ] as const) {
      const image = await (await openImageSource(`oci:${gcr}/test_index:${tag}`)).resolve();
      expect(image.manifestDigest, tag).toBe(manifest);
      if (tag === "3")
        expect(image.indexDigest).toBe(
          "sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5",
        );
      if (tag === "4")
        expect(image.indexDigest).toBe(
          "sha256:2b29a2b8dea3af91ea7d0154be1da0c92d55ddd098540930fc8d3db7de377fdb",
        );
      expect(image.platform).toEqual({ os: "linux", architecture: "amd64" });
    }
  });

  it("names the tags it has when asked for a missing one or when ambiguous", async () => {
    await expect((await openImageSource(`oci:${gcr}/test_index:9`)).resolve()).rejects.toThrow(
      /no image tagged "9"; it has 1, 2, 3, 4/,
    );
    const ambiguous = await (await openImageSource(`oci:${gcr}/test_index`))
      .resolve()
      .catch((e: unknown) => e);
    expect(ambiguous).toBeInstanceOf(ContentNotFoundError);
    expect((ambiguous as Error).message).toMatch(/holds 4 images; name one as oci:DIR:TAG/);
  });

  it("detects a corrupted blob and a missing layout", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vigil-layout-"));
    await cp(`${gcr}/test_index_one_image`, dir, { recursive: true });
    const source = await openImageSource(`oci:${dir}`);
    const image = await source.resolve();
    const layer = image.layers[0]!;
    const path = join(dir, "blobs/sha256", layer.digest.slice(7));
    await writeFile(path, Buffer.alloc(layer.size, 1));
    await expect(digestOf(await source.openBlob(layer))).rejects.toBeInstanceOf(DigestMismatchError);
    // A corrupted manifest fails resolve.
    await writeFile(join(dir, "blobs/sha256", image.manifestDigest.slice(7)), "{}");
    await expect(source.resolve()).rejects.toBeInstanceOf(Error);
    await expect((await openImageSource(`oci:${tmpdir()}`)).resolve()).rejects.toBeInstanceOf(
      LocalSourceError,
    );
    await expect(openImageSource("oci:/nonexistent/dir")).rejects.toThrow(/not a directory/);
  });
});
