import { pipeline, type Readable } from "node:stream";
import type { Descriptor, ResolvedImage } from "../model/image.js";
import { parseDigest, verifyBytes } from "./digest.js";
import { ContentNotFoundError, LocalSourceError, ManifestInvalidError } from "./errors.js";
import type { ImageSource, ResolveOptions } from "./image-source.js";
import type { LayoutFiles } from "./layout-files.js";
import { MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, parseManifest } from "./manifest.js";
import { OCI_INDEX } from "./media-types.js";
import { choosePlatformManifest, DEFAULT_PLATFORM } from "./platform.js";
import { type ManifestReader, resolveImage } from "./resolve-image.js";
import { createVerifiedStream } from "./verified-stream.js";

/**
 * An {@link ImageSource} over an OCI image layout
 * (https://github.com/opencontainers/image-spec/blob/main/image-layout.md): `oci-layout`,
 * `index.json` and `blobs/<alg>/<hex>`, in a directory or inside an archive. A tag is matched
 * against the `org.opencontainers.image.ref.name` annotation of index.json's entries.
 */

/** The annotation that names an entry of index.json. */
export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME_ANNOTATION = "io.containerd.image.name";

/** Options of {@link createOciLayoutSource}. */
export interface OciLayoutSourceOptions {
  readonly files: LayoutFiles;
  /** Tag (ref.name) to pick from index.json; optional when the layout holds one image. */
  readonly tag?: string;
  /** Normalized reference for messages and {@link ResolvedImage.reference} (`oci:/dir:tag`). */
  readonly reference: string;
  /** Called by `close()`. */
  readonly onClose?: () => Promise<void>;
}

/** The path of a blob inside a layout. */
export function blobPathOf(digest: string, where: string): string {
  const { algorithm, hex } = parseDigest(digest, where);
  return `blobs/${algorithm}/${hex}`;
}

function refNameOf(d: Descriptor): string | undefined {
  return d.annotations?.[REF_NAME_ANNOTATION];
}

function matchesTag(d: Descriptor, tag: string): boolean {
  const name = refNameOf(d);
  if (name === tag) return true;
  // A full reference (`registry/repo:tag`) as ref.name or as containerd's image name annotation.
  const full = [name, d.annotations?.[CONTAINERD_NAME_ANNOTATION]];
  return full.some((n) => n?.includes(":") && n.endsWith(`:${tag}`));
}

/** Create an image source for an OCI layout (directory or archive). */
export function createOciLayoutSource(options: OciLayoutSourceOptions): ImageSource {
  const { files, tag, reference } = options;
  const where = files.description;

  async function readBlob(descriptor: Descriptor, max: number, what: string): Promise<Buffer> {
    const path = blobPathOf(descriptor.digest, where);
    const bytes = await files.read(path, max);
    if (!bytes) {
      throw new ContentNotFoundError(
        `${what} ${descriptor.digest} is missing from ${where} (expected ${path}). The layout is incomplete; export it again.`,
      );
    }
    verifyBytes(bytes, descriptor.digest, descriptor.size, `${what} ${descriptor.digest} of ${where}`);
    return bytes;
  }

  const reader: ManifestReader = {
    async readManifest(descriptor) {
      return { bytes: await readBlob(descriptor, MAX_MANIFEST_BYTES, "manifest") };
    },
    async readConfig(descriptor) {
      return readBlob(descriptor, MAX_CONFIG_BYTES, "config");
    },
  };

  async function chooseEntry(options: ResolveOptions): Promise<Descriptor> {
    const layoutFile = await files.read("oci-layout", 64 * 1024);
    if (!layoutFile) {
      throw new LocalSourceError(where, "it has no oci-layout file, so it is not an OCI image layout");
    }
    const indexBytes = await files.read("index.json", MAX_MANIFEST_BYTES);
    if (!indexBytes)
      throw new LocalSourceError(where, "it has no index.json, so it is not an OCI image layout");
    const index = parseManifest(indexBytes, {
      where: `index.json of ${where}`,
      descriptorMediaType: OCI_INDEX,
    });
    if (index.kind !== "index") {
      throw new ManifestInvalidError(`index.json of ${where}`, "it is not an image index");
    }
    const tags = [...new Set(index.manifests.map(refNameOf).filter((n): n is string => n !== undefined))];
    let candidates = index.manifests;
    if (tag !== undefined) {
      candidates = candidates.filter((d) => matchesTag(d, tag));
      if (candidates.length === 0) {
        throw new ContentNotFoundError(
          `${where} has no image tagged "${tag}"; it has ${tags.length > 0 ? tags.join(", ") : "no tagged images"}.`,
        );
      }
    }
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length === 0)
      throw new ContentNotFoundError(`${where} holds no images (index.json is empty).`);
    // Several entries: platform variants of one image, or several images.
    if (candidates.every((d) => d.platform)) {
      return choosePlatformManifest(
        candidates,
        options.platform ?? DEFAULT_PLATFORM,
        `index.json of ${where}`,
      );
    }
    throw new ContentNotFoundError(
      `${where} holds ${candidates.length} images; name one as oci:DIR:TAG (tags: ${tags.join(", ") || "none"}).`,
    );
  }

  return {
    description: reference,
    async resolve(resolveOptions: ResolveOptions = {}): Promise<ResolvedImage> {
      const entry = await chooseEntry(resolveOptions);
      const bytes = await readBlob(entry, MAX_MANIFEST_BYTES, "manifest");
      return resolveImage(
        {
          bytes,
          digest: entry.digest,
          descriptorMediaType: entry.mediaType,
          ...(entry.platform ? { platform: entry.platform } : {}),
        },
        reader,
        {
          reference,
          where,
          ...(resolveOptions.platform ? { platform: resolveOptions.platform } : {}),
          ...(resolveOptions.signal ? { signal: resolveOptions.signal } : {}),
        },
      );
    },
    async openBlob(
      descriptor: Descriptor,
      blobOptions: { readonly signal?: AbortSignal } = {},
    ): Promise<Readable> {
      const path = blobPathOf(descriptor.digest, where);
      const raw = await files.open(path);
      if (!raw) {
        throw new ContentNotFoundError(
          `Blob ${descriptor.digest} is missing from ${where} (expected ${path}). The layout is incomplete; export it again.`,
        );
      }
      return verifiedPipe(raw, descriptor, `blob ${descriptor.digest} of ${where}`, blobOptions.signal);
    },
    async close(): Promise<void> {
      await options.onClose?.();
    },
  };
}

/** Pipe `raw` through a verifying stream; an abort destroys both. */
export function verifiedPipe(
  raw: Readable,
  descriptor: Descriptor,
  where: string,
  signal?: AbortSignal,
): Readable {
  const verified = createVerifiedStream({ digest: descriptor.digest, size: descriptor.size, where });
  pipeline(raw, verified, () => {
    // errors surface on `verified`
  });
  if (signal) {
    const onAbort = (): void => {
      verified.destroy(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    verified.once("close", () => signal.removeEventListener("abort", onAbort));
  }
  return verified;
}
