import type { Descriptor, ImageConfig, Platform } from "../model/image.js";
import { quoteValue } from "../model/quote-value.js";
import { parseDigest } from "./digest.js";
import { ManifestInvalidError, UnsupportedManifestError } from "./errors.js";
import {
  baseMediaType,
  DOCKER_CONFIG,
  isIndexMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_MANIFEST,
} from "./media-types.js";

/**
 * Parsing and validation of image manifests, indexes and configs:
 * OCI (https://github.com/opencontainers/image-spec/blob/main/manifest.md, image-index.md,
 * config.md) and Docker schema 2 / manifest list
 * (https://distribution.github.io/distribution/spec/manifest-v2-2/). Docker schema 1 is
 * recognised only to be rejected with a clear error.
 */

/** The largest manifest or index Vigil buffers (the distribution spec suggests registries accept 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** The largest image config Vigil buffers. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** An OCI index or Docker manifest list. */
export interface ImageIndex {
  readonly kind: "index";
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An OCI image manifest or Docker schema 2 manifest. */
export interface ImageManifest {
  readonly kind: "manifest";
  readonly mediaType: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What a manifest request can return. */
export type ParsedManifest = ImageIndex | ImageManifest;

/** Hints for {@link parseManifest}. */
export interface ParseManifestOptions {
  /** Where the bytes came from, for messages. */
  readonly where: string;
  /** The HTTP Content-Type, if any. */
  readonly contentType?: string;
  /** The media type of the descriptor that pointed at these bytes, if any. */
  readonly descriptorMediaType?: string;
}

const SCHEMA1_ADVICE =
  "Docker image manifest schema 1 is deprecated and not supported. Re-push the image with a current " +
  "Docker or with `skopeo copy --format v2s2` so the registry stores a schema 2 or OCI manifest.";

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function stringMap(v: unknown, where: string, field: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new ManifestInvalidError(where, `${field} is not an object`);
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) {
    if (typeof value !== "string") throw new ManifestInvalidError(where, `${field}.${k} is not a string`);
    out[k] = value;
  }
  return out;
}

function parsePlatformField(v: unknown, where: string, field: string): Platform | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || typeof v.os !== "string" || typeof v.architecture !== "string") {
    throw new ManifestInvalidError(where, `${field} must have string "os" and "architecture"`);
  }
  return {
    os: v.os,
    architecture: v.architecture,
    ...(typeof v.variant === "string" && v.variant ? { variant: v.variant } : {}),
    ...(typeof v["os.version"] === "string" && v["os.version"] ? { osVersion: v["os.version"] } : {}),
  };
}

/** Validate one descriptor object; throws {@link ManifestInvalidError}. */
export function parseDescriptor(v: unknown, where: string, field: string): Descriptor {
  if (!isObject(v)) throw new ManifestInvalidError(where, `${field} is not an object`);
  if (typeof v.mediaType !== "string" || v.mediaType === "") {
    throw new ManifestInvalidError(where, `${field}.mediaType is missing`);
  }
  if (typeof v.digest !== "string") throw new ManifestInvalidError(where, `${field}.digest is missing`);
  try {
    parseDigest(v.digest, where);
  } catch (error) {
    throw new ManifestInvalidError(where, `${field}.digest "${v.digest}" is not a valid digest`, {
      cause: error,
    });
  }
  if (typeof v.size !== "number" || !Number.isSafeInteger(v.size) || v.size < 0) {
    throw new ManifestInvalidError(where, `${field}.size must be a non-negative integer`);
  }
  const annotations = stringMap(v.annotations, where, `${field}.annotations`);
  const platform = parsePlatformField(v.platform, where, `${field}.platform`);
  let urls: string[] | undefined;
  if (v.urls !== undefined) {
    if (!Array.isArray(v.urls) || v.urls.some((u) => typeof u !== "string")) {
      throw new ManifestInvalidError(where, `${field}.urls must be an array of strings`);
    }
    urls = v.urls as string[];
  }
  return {
    mediaType: v.mediaType,
    digest: v.digest,
    size: v.size,
    ...(annotations ? { annotations } : {}),
    ...(platform ? { platform } : {}),
    ...(urls ? { urls } : {}),
  };
}

function parseJson(bytes: Uint8Array, where: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new ManifestInvalidError(where, "it is not valid JSON", { cause: error });
  }
  if (!isObject(json)) throw new ManifestInvalidError(where, "it is not a JSON object");
  return json;
}

/**
 * Decide the media type of a manifest document: its own `mediaType` field, else the
 * descriptor's or the Content-Type's (when specific), else by shape (`manifests` → index,
 * `config` → manifest), as the OCI spec allows for documents without `mediaType`.
 */
function detectMediaType(json: Record<string, unknown>, options: ParseManifestOptions): string {
  if (typeof json.mediaType === "string" && json.mediaType !== "") return json.mediaType;
  if (json.schemaVersion === 1) return "application/vnd.docker.distribution.manifest.v1+json";
  for (const hint of [options.descriptorMediaType, baseMediaType(options.contentType)]) {
    if (hint && (isIndexMediaType(hint) || isManifestMediaType(hint) || isSchema1MediaType(hint)))
      return hint;
  }
  if (Array.isArray(json.manifests)) return OCI_INDEX;
  if (isObject(json.config)) return OCI_MANIFEST;
  return "";
}

/**
 * Parse a manifest or index. Throws {@link UnsupportedManifestError} for Docker schema 1 and
 * unknown media types, {@link ManifestInvalidError} for malformed documents.
 */
export function parseManifest(bytes: Uint8Array, options: ParseManifestOptions): ParsedManifest {
  const { where } = options;
  const json = parseJson(bytes, where);
  const mediaType = detectMediaType(json, options);
  if (isSchema1MediaType(mediaType) || json.schemaVersion === 1) {
    throw new UnsupportedManifestError(where, mediaType, SCHEMA1_ADVICE);
  }
  if (!isIndexMediaType(mediaType) && !isManifestMediaType(mediaType)) {
    throw new UnsupportedManifestError(
      where,
      mediaType,
      "this is not a container image manifest or index; Vigil reads OCI image manifests and indexes, " +
        "Docker schema 2 manifests and manifest lists.",
    );
  }
  if (json.schemaVersion !== 2) {
    throw new ManifestInvalidError(where, `schemaVersion is ${quoteValue(json.schemaVersion)}, expected 2`);
  }
  const annotations = stringMap(json.annotations, where, "annotations");
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(json.manifests)) throw new ManifestInvalidError(where, '"manifests" is missing');
    const manifests = json.manifests.map((m, i) => parseDescriptor(m, where, `manifests[${i}]`));
    return { kind: "index", mediaType, manifests, ...(annotations ? { annotations } : {}) };
  }
  const config = parseDescriptor(json.config, where, "config");
  // Docker schema 2 has no artifacts, and old tools wrote other config types there
  // (`application/octet-stream`); an OCI manifest with a foreign config type is an artifact.
  if (mediaType === OCI_MANIFEST && config.mediaType !== OCI_CONFIG && config.mediaType !== DOCKER_CONFIG) {
    throw new UnsupportedManifestError(
      where,
      mediaType,
      `its config has media type ${config.mediaType}, so it is an OCI artifact (e.g. a Helm chart or a signature), ` +
        "not a container image.",
    );
  }
  if (!Array.isArray(json.layers)) throw new ManifestInvalidError(where, '"layers" is missing');
  const layers = json.layers.map((l, i) => parseDescriptor(l, where, `layers[${i}]`));
  return { kind: "manifest", mediaType, config, layers, ...(annotations ? { annotations } : {}) };
}

/** Parse the fields of an image config that Vigil uses; throws {@link ManifestInvalidError}. */
export function parseImageConfig(bytes: Uint8Array, where: string): ImageConfig {
  const json = parseJson(bytes, where);
  const rootfs = json.rootfs;
  if (!isObject(rootfs) || !Array.isArray(rootfs.diff_ids)) {
    throw new ManifestInvalidError(where, "rootfs.diff_ids is missing from the image config");
  }
  const diffIds = rootfs.diff_ids.map((d, i) => {
    if (typeof d !== "string") throw new ManifestInvalidError(where, `rootfs.diff_ids[${i}] is not a string`);
    try {
      parseDigest(d, where);
    } catch (error) {
      throw new ManifestInvalidError(where, `rootfs.diff_ids[${i}] "${d}" is not a valid digest`, {
        cause: error,
      });
    }
    return d;
  });
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  const inner = isObject(json.config) ? json.config : undefined;
  const labels = inner && isObject(inner.Labels) ? stringMapLenient(inner.Labels) : undefined;
  const history = Array.isArray(json.history)
    ? json.history.filter(isObject).map((h) => ({
        ...(typeof h.created_by === "string" ? { created_by: h.created_by } : {}),
        ...(h.empty_layer === true ? { empty_layer: true } : {}),
      }))
    : undefined;
  const os = str(json.os);
  const architecture = str(json.architecture);
  const variant = str(json.variant);
  const created = str(json.created);
  return {
    ...(os ? { os } : {}),
    ...(architecture ? { architecture } : {}),
    ...(variant ? { variant } : {}),
    ...(created ? { created } : {}),
    diffIds,
    ...(labels ? { labels } : {}),
    ...(history ? { history } : {}),
  };
}

function stringMapLenient(v: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) if (typeof value === "string") out[k] = value;
  return out;
}
