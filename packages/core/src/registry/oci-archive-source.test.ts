import { createWriteStream } from "node:fs";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { openImageSource } from "./open-image-source.js";
import { TarIndex } from "./tar-index.js";
import { digestOf } from "./test-support/streams.js";

const layout = join(import.meta.dirname, "testdata/go-containerregistry/pkg/v1/layout/testdata/test_index");

/** Pack the layout fixture into an OCI archive, with a `./` prefix and a PAX long name for good measure. */
async function packLayout(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vigil-ociarchive-"));
  const file = join(dir, "image.oci.tar");
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(file));
  pack.entry({ name: `./${"long-name-".repeat(20)}.txt` }, "x");
  for (const name of ["oci-layout", "index.json"])
    pack.entry({ name: `./${name}` }, await readFile(join(layout, name)));
  pack.entry({ name: "./blobs/", type: "directory" });
  for (const blob of await readdir(join(layout, "blobs/sha256"))) {
    pack.entry({ name: `./blobs/sha256/${blob}` }, await readFile(join(layout, "blobs/sha256", blob)));
  }
  pack.finalize();
  await done;
  return file;
}

describe("oci-archive", () => {
  it("indexes the tar once and serves verified blobs by byte range", async () => {
    const file = await packLayout();
    const index = await TarIndex.open(file);
    expect(index.names()).toContain(`${"long-name-".repeat(20)}.txt`);
    expect(index.file("./index.json")?.size).toBeGreaterThan(0);

    const source = await openImageSource(`oci-archive:${file}:3`);
    const image = await source.resolve();
    expect(image.reference).toBe(`oci-archive:${file}:3`);
    expect(image.manifestDigest).toBe(
      "sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650",
    );
    expect(image.indexDigest).toBe("sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5");
    for (const layer of image.layers) {
      expect(await digestOf(await source.openBlob(layer))).toEqual({
        digest: layer.digest,
        size: layer.size,
      });
    }
    await expect((await openImageSource(`oci-archive:${file}:nope`)).resolve()).rejects.toThrow(
      /no image tagged "nope"/,
    );
  });
});
