import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ContentNotFoundError, LocalSourceError } from "./errors.js";
import { openImageSource } from "./open-image-source.js";
import { digestOf } from "./test-support/streams.js";

const td = join(import.meta.dirname, "testdata");
const almostEmpty = join(td, "containers-image/docker/archive/fixtures/almostempty.tar");
const tarballs = join(td, "go-containerregistry/pkg/v1/tarball/testdata");

async function readEveryLayer(ref: string) {
  const source = await openImageSource(ref);
  const image = await source.resolve();
  for (const [i, layer] of image.layers.entries()) {
    const read = await digestOf(await source.openBlob(layer));
    expect(read).toEqual({ digest: layer.digest, size: layer.size });
    // docker save layers are uncompressed: the layer digest is the diff_id.
    if (layer.mediaType.endsWith(".tar")) expect(layer.digest).toBe(image.config.diffIds[i]);
  }
  return image;
}

describe("docker-archive", () => {
  it("reads a legacy docker save and synthesizes skopeo's manifest digest", async () => {
    const image = await readEveryLayer(`docker-archive:${almostEmpty}`);
    // `skopeo inspect docker-archive:almostempty.tar` reports this digest and config.
    expect(image.manifestDigest).toBe(
      "sha256:642b9d39405d219a3c6d9ef9a67a7bdd57f5ed9ca1e561acfb8cc7bad4609976",
    );
    expect(image.configDigest).toBe(
      "sha256:9d7f147c0d0c4d4538a04c7ef385809e56eb1aac7bf800fbe976612188025b68",
    );
    expect(image.layers).toEqual([
      {
        mediaType: "application/vnd.docker.image.rootfs.diff.tar",
        size: 1536,
        digest: "sha256:0b916d257bd406111a3fced53f81b47de9a30f7c7d514a89769b3483aaddca7e",
      },
    ]);
    expect(image.platform).toEqual({ os: "linux", architecture: "amd64" });
  });

  it("reads a Docker 25 save (blobs/sha256 layout)", async () => {
    const image = await readEveryLayer(`docker-archive:${join(tarballs, "hello-world-v25.tar")}`);
    expect(image.manifestDigest).toBe(
      "sha256:22da013ffa1abb79753d1d2cbf79fe598b626eb0a772738073d617be5b71b872",
    );
    expect(image.configDigest).toBe(
      "sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44",
    );
  });

  it("picks an image by RepoTag and follows symlinked layers", async () => {
    const image = await readEveryLayer(
      `docker-archive:${join(tarballs, "test_link.tar")}:bazel/v1/tarball:test_image_3`,
    );
    expect(image.layers).toHaveLength(2);
    const bundle = await readEveryLayer(`docker-archive:${join(tarballs, "test_bundle.tar")}:test_image_1`);
    expect(bundle.configDigest).toBe(
      "sha256:6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e",
    );
    // RepoTags are compared normalized too.
    const normalized = await readEveryLayer(
      `docker-archive:${join(tarballs, "test_bundle.tar")}:docker.io/library/test_image_2:latest`,
    );
    expect(normalized.configDigest).toBe(
      "sha256:930705ce23e3b6ed4c08746b6fe880089c864fbaf62482702ae3fdd66b8c7fe9",
    );
  });

  it("explains what is wrong", async () => {
    const ambiguous = await (await openImageSource(`docker-archive:${join(tarballs, "test_link.tar")}`))
      .resolve()
      .catch((e: unknown) => e);
    expect(ambiguous).toBeInstanceOf(ContentNotFoundError);
    expect((ambiguous as Error).message).toMatch(
      /holds 2 images.*bazel\/v1\/tarball:test_image_1, bazel\/v1\/tarball:test_image_3/,
    );
    await expect(
      (await openImageSource(`docker-archive:${join(tarballs, "test_link.tar")}:nope:1`)).resolve(),
    ).rejects.toThrow(/no image tagged "nope:1"/);
    await expect(
      (await openImageSource(`docker-archive:${join(tarballs, "no_manifest.tar")}`)).resolve(),
    ).rejects.toThrow(LocalSourceError);
    await expect(openImageSource(`docker-archive:${join(td, "PROVENANCE.md")}`)).rejects.toThrow(
      /not a tar archive/,
    );
    await expect(openImageSource("docker-archive:/nonexistent.tar")).rejects.toThrow(/cannot be opened/);
    const source = await openImageSource(`docker-archive:${almostEmpty}`);
    await expect(
      source.openBlob({ mediaType: "x", size: 1, digest: `sha256:${"0".repeat(64)}` }),
    ).rejects.toThrow(/not part of/);
  });
});
