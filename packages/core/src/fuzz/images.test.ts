/**
 * Fuzzing of what the image sources read: manifests, indexes and configs (as a registry or a
 * layout serves them), `WWW-Authenticate` challenges, and whole image archives (`docker save`
 * and OCI archives of the small test images, and the containers/image and go-containerregistry
 * fixtures) scanned end to end by `scanImageInventory`, the entry point of a scan.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import { ZipFormatError, ZipLimitError } from "../archive/zip/index.js";
import { LayerError } from "../layer/layer-errors.js";
import { ImageSourceError } from "../registry/errors.js";
import { parseImageConfig, parseManifest } from "../registry/manifest.js";
import { openImageSource } from "../registry/open-image-source.js";
import { parseWwwAuthenticate } from "../registry/www-authenticate.js";
import { scanImageInventory } from "../scan/scan-image-inventory.js";
import { Corpus } from "./test-support/corpus.js";
import { fuzz } from "./test-support/fuzz-property.js";

const TESTDATA = "registry/testdata";
const isImageSourceError = (error: unknown) => error instanceof ImageSourceError;

const work = mkdtempSync(join(tmpdir(), "vigil-fuzz-images-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const archivesDir = testEnv().archivesDir;
const dockerArchives = Corpus.fromFiles(
  ["alpine-3.10", "distroless-deb", "rpm-bdb"].map((tag) => join(archivesDir, `${tag}.docker.tar`)),
).with(Corpus.fromCoreDir(`${TESTDATA}`, (p) => p.endsWith(".tar")));
const ociArchives = Corpus.fromFiles(
  ["alpine-3.10", "distroless-deb", "rpm-bdb"].map((tag) => join(archivesDir, `${tag}.oci.tar`)),
);

/**
 * A whole scan of a damaged archive. `scanImageInventory` never throws: it reports a failed or
 * partial scan with its cause, and that cause must be one of the project's typed errors.
 */
async function scanArchive(kind: "docker-archive" | "oci-archive", bytes: Buffer): Promise<void> {
  const path = join(work, `${kind}.tar`);
  writeFileSync(path, bytes);
  let source: Awaited<ReturnType<typeof openImageSource>>;
  try {
    source = await openImageSource(`${kind}:${path}`);
  } catch (error) {
    if (isImageSourceError(error)) return;
    throw error;
  }
  try {
    const scan = await scanImageInventory({
      source,
      layerConcurrency: 1,
      limits: { maxUncompressedBytes: 64 * 1024 ** 2, maxFileSize: 16 * 1024 ** 2 },
    });
    if (scan.status !== "complete") {
      const cause = scan.cause;
      const typed =
        cause instanceof ImageSourceError ||
        cause instanceof LayerError ||
        cause instanceof ZipFormatError ||
        cause instanceof ZipLimitError;
      if (!typed) throw cause instanceof Error ? cause : new Error(`scan ${scan.status}: ${scan.error}`);
    }
    for (const issue of scan.inventory?.issues ?? []) {
      if (issue.code === "extractor-failed") throw new Error(`an extractor threw: ${issue.message}`);
    }
  } finally {
    await source.close?.();
  }
}

describe("fuzz: image sources", () => {
  const manifests = Corpus.fromCoreDir(TESTDATA, (p) => p.endsWith(".json") && !p.includes("config")).with(
    Corpus.fromCoreDir(`${TESTDATA}/go-containerregistry/pkg/v1/layout/testdata`, (p) =>
      p.includes("/blobs/"),
    ),
  );
  fuzz({
    parser: "registry parseManifest",
    inputs: fc.record({
      plan: manifests.plans({ json: true }),
      contentType: fc.option(
        fc.constantFrom(
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/json; charset=utf-8",
          "text/html",
        ),
        { nil: undefined },
      ),
    }),
    expected: isImageSourceError,
    run: ({ plan, contentType }) =>
      parseManifest(manifests.apply(plan), { where: "fuzz", ...(contentType ? { contentType } : {}) }),
  });

  const configs = Corpus.fromCoreDir(TESTDATA, (p) => p.endsWith("config.json"));
  fuzz({
    parser: "registry parseImageConfig",
    inputs: configs.plans({ json: true }),
    expected: isImageSourceError,
    run: (plan) => parseImageConfig(configs.apply(plan), "fuzz"),
  });

  const challenges = new Corpus(
    new Map(
      [
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
        'Basic realm="Registry Realm"',
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull",error="insufficient_scope"',
        'Negotiate abc123==, Basic realm="x\\"y", Bearer',
      ].map((header, i) => [`challenge ${i}`, Buffer.from(header)]),
    ),
  );
  fuzz({
    parser: "registry parseWwwAuthenticate",
    inputs: challenges.plans(),
    run: (plan) => parseWwwAuthenticate(challenges.apply(plan).toString("utf8")),
  });

  fuzz({
    parser: "scan docker-archive",
    inputs: dockerArchives.plans(),
    run: (plan) => scanArchive("docker-archive", dockerArchives.apply(plan)),
  });

  fuzz({
    parser: "scan oci-archive",
    inputs: ociArchives.plans(),
    run: (plan) => scanArchive("oci-archive", ociArchives.apply(plan)),
  });
});
