/**
 * Fuzzing of layer reading: decompression (gzip, zstd), the tar walk and the extraction host
 * with every built-in extractor, seeded with the real layers of the small test images (their
 * OCI archives, built by scripts/test-env) and layers packed by GNU tar from testdata/images;
 * and tars with random header fields through both tar readers, the layer walk and the index of
 * image archives (`TarIndex`, behind docker-archive and oci-archive).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import { createBuiltinExtractors } from "../extract/builtin/index.js";
import { extractLayer } from "../extract/run-extractors.js";
import { LayerError } from "../layer/layer-errors.js";
import type { LayerLimits } from "../layer/layer-limits.js";
import { chunked } from "../layer/test-support/tar-builder.js";
import { walkLayer } from "../layer/walk-layer.js";
import type { LayerInventory } from "../model/layer-inventory.js";
import { ImageSourceError } from "../registry/errors.js";
import { openImageSource } from "../registry/open-image-source.js";
import { TarIndex } from "../registry/tar-index.js";
import { Corpus, REPO_ROOT } from "./test-support/corpus.js";
import { fuzz } from "./test-support/fuzz-property.js";
import { buildPlannedTar, tarPlans } from "./test-support/tar-headers.js";

/** Limits well above the seeds and well below the defaults, so a lying size meets them quickly. */
const LIMITS: LayerLimits = {
  maxEntries: 10_000,
  maxUncompressedBytes: 64 * 1024 ** 2,
  maxFileSize: 16 * 1024 ** 2,
  maxMetaHeaderSize: 64 * 1024,
};
const extractors = createBuiltinExtractors();

/** The layer blobs of a test image, as its OCI archive holds them (gzip). */
async function imageLayers(tag: string): Promise<[string, Buffer][]> {
  const source = await openImageSource(`oci-archive:${join(testEnv().archivesDir, `${tag}.oci.tar`)}`);
  const image = await source.resolve();
  const layers: [string, Buffer][] = [];
  for (const [i, layer] of image.layers.entries()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await source.openBlob(layer)) chunks.push(chunk as Buffer);
    layers.push([`${tag} layer ${i}`, Buffer.concat(chunks)]);
  }
  await source.close?.();
  return layers;
}

/** A tree of testdata/images packed by GNU tar, plain and zstd. */
function packed(tree: string): [string, Buffer][] {
  const tar = execFileSync(
    "tar",
    [
      "--sort=name",
      "--owner=0",
      "--group=0",
      "--mtime=@0",
      "-C",
      join(REPO_ROOT, "testdata/images", tree),
      "-cf",
      "-",
      ".",
    ],
    { maxBuffer: 1 << 26 },
  );
  return [
    [`${tree} tar`, tar],
    [`${tree} tar.zst`, execFileSync("zstd", ["-q", "-c"], { input: tar })],
  ];
}

const layers = new Corpus(
  new Map([
    ...(await imageLayers("alpine-3.10")),
    ...(await imageLayers("distroless-deb")),
    ...(await imageLayers("rpm-bdb")),
    ...packed("nodeapp"),
    ...packed("alpine-3.11"),
  ]),
);

const work = mkdtempSync(join(tmpdir(), "vigil-fuzz-layers-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One layer through the extraction host, as a scan reads it (a second walk for hard links). */
async function extractBlob(blob: Buffer): Promise<LayerInventory> {
  const open = () => walkLayer(chunked(blob), { limits: LIMITS });
  const inventory = await extractLayer({
    walk: open(),
    reopen: async () => open(),
    extractors,
    layerDigest: "sha256:fuzz",
    maxFileSize: LIMITS.maxFileSize,
  });
  for (const issue of inventory.issues) {
    if (issue.code === "" || issue.message === "" || issue.location.layerDigest !== "sha256:fuzz") {
      throw new Error(`an issue without what or where: ${JSON.stringify(issue)}`);
    }
    // The host turns an extractor's exception into this issue; extractors must not throw.
    if (issue.code === "extractor-failed") throw new Error(`an extractor threw: ${issue.message}`);
  }
  return inventory;
}

const isLayerError = (error: unknown) => error instanceof LayerError;

describe("fuzz: layers", () => {
  fuzz({
    parser: "layer walk + extract (real layers)",
    inputs: layers.plans(),
    expected: isLayerError,
    run: (plan) => extractBlob(layers.apply(plan)),
    runsScale: 2,
  });

  fuzz({
    parser: "layer walk + extract (random tar headers)",
    inputs: tarPlans,
    expected: isLayerError,
    run: async (plan) => {
      const tar = buildPlannedTar(plan);
      await extractBlob(tar);
      await extractBlob(gzipSync(tar));
    },
    runsScale: 2,
  });

  fuzz({
    parser: "image archive TarIndex (random tar headers)",
    inputs: tarPlans,
    expected: (error) => error instanceof ImageSourceError,
    run: async (plan) => {
      const path = join(work, "archive.tar");
      writeFileSync(path, buildPlannedTar(plan));
      const index = await TarIndex.open(path);
      for (const name of index.names()) {
        const member = index.file(name);
        if (member === undefined) continue;
        if (member.size <= 1024 * 1024) await index.read(member);
        for await (const _ of index.stream(member)) {
          // read to the end
        }
      }
    },
  });
});
