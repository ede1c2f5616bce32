import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import type { Descriptor, ImageConfig, ResolvedImage } from "../model/image.js";
import { isDigest, sha256Digest, verifyBytes } from "./digest.js";
import {
  ContentNotFoundError,
  ImageReferenceError,
  LocalSourceError,
  ManifestInvalidError,
} from "./errors.js";
import { formatImageReference, parseImageReference } from "./image-reference.js";
import type { ImageSource, ResolveOptions } from "./image-source.js";
import { MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, parseImageConfig } from "./manifest.js";
import {
  DOCKER_CONFIG,
  DOCKER_LAYER_GZIP,
  DOCKER_LAYER_TAR,
  DOCKER_MANIFEST_V2,
  OCI_LAYER_TAR_ZSTD,
} from "./media-types.js";
import { verifiedPipe } from "./oci-layout-source.js";
import { normalizePlatform } from "./platform.js";
import { TarIndex, type TarMember } from "./tar-index.js";

/**
 * An {@link ImageSource} over a `docker save` archive
 * (https://github.com/moby/moby/blob/master/image/spec/v1.2.md#combined-image-json--filesystem-changeset-format):
 * `manifest.json` lists, per image, its `Config` file, its `RepoTags` and its `Layers` files
 * (uncompressed tars, `<id>/layer.tar` in older saves, `blobs/sha256/<hex>` since Docker 25,
 * sometimes compressed `<hex>.tar.gz` from other tools; duplicates may be symlinks).
 *
 * Such an archive has no manifest, so one is synthesized the way containers/image (skopeo)
 * does for `docker-archive:` sources, so that the digest equals what `skopeo inspect
 * docker-archive:FILE` reports: a Docker schema 2 manifest, serialized by `JSON.stringify`
 * with the key order `schemaVersion, mediaType, config, layers` and descriptors
 * `mediaType, size, digest`, no whitespace; the config descriptor is the config file
 * (digest = sha256 of its bytes) and every layer descriptor says
 * `application/vnd.docker.image.rootfs.diff.tar.gzip` (skopeo's label, even for the
 * uncompressed tars a docker save holds) with the layer's size and digest (see
 * {@link layerDescriptor}). Its sha256 is the manifest digest. The descriptors Vigil returns
 * carry the real media type (sniffed from the bytes). For an archive with compressed layers
 * the digest differs from skopeo's (which describes them decompressed). It is never the
 * digest a registry shows for the image: registries hold compressed layers.
 */

/** Options of {@link createDockerArchiveSource}. */
export interface DockerArchiveSourceOptions {
  readonly path: string;
  /** A RepoTag to pick (`alpine:3.19`); optional when the archive holds one image. */
  readonly tag?: string;
}

interface ManifestEntry {
  readonly Config: string;
  readonly RepoTags: readonly string[];
  readonly Layers: readonly string[];
}

function parseArchiveManifest(bytes: Buffer, where: string): ManifestEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new ManifestInvalidError(where, "manifest.json is not valid JSON", { cause: error });
  }
  if (!Array.isArray(json) || json.length === 0) {
    throw new ManifestInvalidError(where, "manifest.json is not a non-empty array of images");
  }
  return json.map((e: unknown, i: number) => {
    const entry = e as Record<string, unknown> | null;
    if (!entry || typeof entry.Config !== "string" || !Array.isArray(entry.Layers)) {
      throw new ManifestInvalidError(
        where,
        `manifest.json entry ${i} needs a "Config" string and a "Layers" array`,
      );
    }
    if (entry.Layers.some((l) => typeof l !== "string")) {
      throw new ManifestInvalidError(where, `manifest.json entry ${i} has a layer path that is not a string`);
    }
    const tags = Array.isArray(entry.RepoTags)
      ? entry.RepoTags.filter((t): t is string => typeof t === "string")
      : [];
    return { Config: entry.Config, RepoTags: tags, Layers: entry.Layers as string[] };
  });
}

/** A digest named by a member path (`blobs/sha256/<hex>`, `<hex>.json`, `<hex>.tar.gz`), if any. */
function digestFromPath(path: string): string | undefined {
  const blob = /(?:^|\/)blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(path);
  if (blob && isDigest(`${blob[1]}:${blob[2]}`)) return `${blob[1]}:${blob[2]}`;
  const base = /(?:^|\/)([a-f0-9]{64})(?:\.json|\.tar(?:\.gz)?)?$/.exec(path);
  return base && !path.endsWith("/layer.tar") ? `sha256:${base[1]}` : undefined;
}

function normalizeTag(tag: string): string | undefined {
  try {
    return formatImageReference(parseImageReference(tag));
  } catch (error) {
    if (error instanceof ImageReferenceError) return undefined;
    throw error;
  }
}

/** Index a docker-save archive and create its source; throws `LocalSourceError` when it is not one. */
export async function createDockerArchiveSource(options: DockerArchiveSourceOptions): Promise<ImageSource> {
  const { path, tag } = options;
  const tar = await TarIndex.open(path);
  const where = `docker archive ${path}`;
  const reference = `docker-archive:${path}${tag !== undefined ? `:${tag}` : ""}`;
  const blobs = new Map<string, TarMember>();

  const member = (name: string, what: string): TarMember => {
    const m = tar.file(name);
    if (!m)
      throw new ContentNotFoundError(`${what} ${name} listed in manifest.json is missing from ${where}.`);
    return m;
  };

  async function sniff(m: TarMember): Promise<string> {
    if (m.size < 4) return DOCKER_LAYER_TAR;
    const head = (await tar.read({ ...m, size: 4 })).subarray(0, 4);
    if (head[0] === 0x1f && head[1] === 0x8b) return DOCKER_LAYER_GZIP;
    if (head.readUInt32LE(0) === 0xfd2fb528) return OCI_LAYER_TAR_ZSTD;
    return DOCKER_LAYER_TAR;
  }

  async function hashMember(m: TarMember): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of tar.stream(m)) hash.update(chunk as Buffer);
    return `sha256:${hash.digest("hex")}`;
  }

  /**
   * A layer's descriptor. Its digest is the one its path names (`blobs/sha256/<hex>`), else,
   * for an uncompressed layer, the config's diff_id (the digest of the uncompressed tar is
   * exactly that), else the sha256 of the file, computed here by reading it once.
   */
  async function layerDescriptor(name: string, diffId: string | undefined): Promise<Descriptor> {
    const m = member(name, "Layer");
    const mediaType = await sniff(m);
    const digest =
      digestFromPath(name) ?? (mediaType === DOCKER_LAYER_TAR && diffId ? diffId : await hashMember(m));
    blobs.set(digest, m);
    return { mediaType, size: m.size, digest };
  }

  function chooseEntry(entries: ManifestEntry[]): ManifestEntry {
    const allTags = entries.flatMap((e) => e.RepoTags);
    if (tag === undefined) {
      if (entries.length === 1) return entries[0]!;
      throw new ContentNotFoundError(
        `${where} holds ${entries.length} images; name one as docker-archive:FILE:REPO:TAG (tags: ${
          allTags.join(", ") || "none"
        }).`,
      );
    }
    const wanted = normalizeTag(tag);
    const found = entries.find((e) =>
      e.RepoTags.some((t) => t === tag || (wanted && normalizeTag(t) === wanted)),
    );
    if (!found) {
      throw new ContentNotFoundError(
        `${where} has no image tagged "${tag}"; it has ${allTags.join(", ") || "no tags"}.`,
      );
    }
    return found;
  }

  return {
    description: reference,
    async resolve(resolveOptions: ResolveOptions = {}): Promise<ResolvedImage> {
      const manifestMember = tar.file("manifest.json");
      if (!manifestMember) {
        throw new LocalSourceError(path, "it has no manifest.json, so it is not a `docker save` archive");
      }
      if (manifestMember.size > MAX_MANIFEST_BYTES) {
        throw new ManifestInvalidError(
          where,
          "manifest.json is larger than the limit for documents Vigil buffers",
        );
      }
      const entry = chooseEntry(
        parseArchiveManifest(await tar.read(manifestMember), `manifest.json of ${where}`),
      );
      const configMember = member(entry.Config, "Config");
      if (configMember.size > MAX_CONFIG_BYTES) {
        throw new ManifestInvalidError(
          where,
          `config ${entry.Config} is larger than the limit for documents Vigil buffers`,
        );
      }
      const configBytes = await tar.read(configMember);
      const named = digestFromPath(entry.Config);
      if (named) verifyBytes(configBytes, named, undefined, `config ${entry.Config} of ${where}`);
      const configDigest = named ?? sha256Digest(configBytes);
      blobs.set(configDigest, configMember);
      const config: ImageConfig = parseImageConfig(configBytes, `config ${entry.Config} of ${where}`);
      if (config.diffIds.length !== entry.Layers.length) {
        throw new ManifestInvalidError(
          where,
          `the config lists ${config.diffIds.length} diff_ids but manifest.json lists ${entry.Layers.length} layers`,
        );
      }
      const layers: Descriptor[] = [];
      for (const [i, name] of entry.Layers.entries())
        layers.push(await layerDescriptor(name, config.diffIds[i]));
      const configDescriptor = { mediaType: DOCKER_CONFIG, size: configBytes.length, digest: configDigest };
      const synthesized = JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST_V2,
        config: configDescriptor,
        layers: layers.map((l) => ({ mediaType: DOCKER_LAYER_GZIP, size: l.size, digest: l.digest })),
      });
      const platform =
        config.os && config.architecture
          ? normalizePlatform({
              os: config.os,
              architecture: config.architecture,
              ...(config.variant ? { variant: config.variant } : {}),
            })
          : (resolveOptions.platform ?? { os: "linux", architecture: "amd64" });
      return {
        reference,
        manifestDigest: sha256Digest(Buffer.from(synthesized)),
        manifestMediaType: DOCKER_MANIFEST_V2,
        platform,
        configDigest,
        config,
        layers,
      };
    },
    async openBlob(
      descriptor: Descriptor,
      blobOptions: { readonly signal?: AbortSignal } = {},
    ): Promise<Readable> {
      const m = blobs.get(descriptor.digest);
      if (!m) {
        throw new ContentNotFoundError(
          `Blob ${descriptor.digest} is not part of ${where} (resolve the image first, and ask only for its config and layers).`,
        );
      }
      return verifiedPipe(
        tar.stream(m),
        descriptor,
        `blob ${descriptor.digest} of ${where}`,
        blobOptions.signal,
      );
    },
  };
}
