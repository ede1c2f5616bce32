import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import type { Descriptor, ResolvedImage } from "../../model/image.js";
import type { ImageSource } from "../../registry/image-source.js";

/** One test layer: a tar, optionally served corrupted. */
export interface MemoryLayer {
  readonly tar: Buffer;
  /** Serve only the first n bytes of the compressed blob (a dropped connection the source did not notice). */
  readonly truncateTo?: number;
  /** Make the blob stream fail at its end, as a digest mismatch does. */
  readonly failAtEnd?: Error;
}

const sha = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** An in-memory image source that counts blob opens, for orchestrator tests. */
export function createMemoryImageSource(layers: readonly MemoryLayer[]): ImageSource & { opened: string[] } {
  const blobs = layers.map((l) => gzipSync(l.tar));
  const descriptors: Descriptor[] = blobs.map((b) => ({
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    digest: sha(b),
    size: b.length,
  }));
  const image: ResolvedImage = {
    reference: "memory:test",
    manifestDigest: sha(Buffer.from(JSON.stringify(descriptors))),
    manifestMediaType: "application/vnd.oci.image.manifest.v1+json",
    platform: { os: "linux", architecture: "amd64" },
    configDigest: sha(Buffer.from("config")),
    config: { os: "linux", architecture: "amd64", diffIds: layers.map((l) => sha(l.tar)) },
    layers: descriptors,
  };
  const opened: string[] = [];
  return {
    description: "memory:test",
    opened,
    async resolve() {
      return image;
    },
    async openBlob(descriptor) {
      opened.push(descriptor.digest);
      const index = descriptors.findIndex((d) => d.digest === descriptor.digest);
      const layer = layers[index]!;
      const blob = blobs[index]!;
      const data = layer.truncateTo === undefined ? blob : blob.subarray(0, layer.truncateTo);
      async function* chunks(): AsyncGenerator<Buffer> {
        for (let i = 0; i < data.length; i += 4096) yield data.subarray(i, i + 4096);
        if (layer.failAtEnd) throw layer.failAtEnd;
      }
      return Readable.from(chunks());
    },
  };
}
