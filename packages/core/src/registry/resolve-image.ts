import type { Descriptor, Platform, ResolvedImage } from "../model/image.js";
import { ManifestInvalidError } from "./errors.js";
import { type ImageManifest, parseImageConfig, parseManifest } from "./manifest.js";
import { choosePlatformManifest, DEFAULT_PLATFORM, normalizePlatform } from "./platform.js";

/**
 * The resolution every source shares: from a root manifest or index, choose the platform's
 * manifest (through nested indexes), read and parse the config, and check that the config's
 * `diff_ids` line up with the manifest's layers.
 */

/** Reads content a manifest points at. Implementations verify digest and size. */
export interface ManifestReader {
  /** A manifest or index, by descriptor; returns the verified bytes and any Content-Type. */
  readManifest(
    descriptor: Descriptor,
    signal?: AbortSignal,
  ): Promise<{ readonly bytes: Buffer; readonly contentType?: string }>;
  /** A config blob, by descriptor; returns the verified bytes. */
  readConfig(descriptor: Descriptor, signal?: AbortSignal): Promise<Buffer>;
}

/** The top-level document to resolve from. */
export interface RootManifest {
  readonly bytes: Buffer;
  /** Its digest (verified by the caller). */
  readonly digest: string;
  readonly contentType?: string;
  readonly descriptorMediaType?: string;
  /** Platform from the descriptor that pointed at it, if any (OCI layout index.json entries). */
  readonly platform?: Platform;
}

/** Options for {@link resolveImage}. */
export interface ResolveImageOptions {
  /** Normalized reference for {@link ResolvedImage.reference}. */
  readonly reference: string;
  readonly repository?: string;
  /** Human-readable location (`registry 127.0.0.1:5000/vigil/minbase`), for messages. */
  readonly where: string;
  readonly platform?: Platform;
  readonly signal?: AbortSignal;
}

const MAX_INDEX_DEPTH = 4;

/** Resolve a root manifest or index to a single-platform {@link ResolvedImage}. */
export async function resolveImage(
  root: RootManifest,
  reader: ManifestReader,
  options: ResolveImageOptions,
): Promise<ResolvedImage> {
  const wanted = options.platform ?? DEFAULT_PLATFORM;
  let bytes = root.bytes;
  let digest = root.digest;
  let contentType = root.contentType;
  let descriptorMediaType = root.descriptorMediaType;
  let indexDigest: string | undefined;
  let chosenPlatform: Platform | undefined = root.platform;
  let manifest: ImageManifest | undefined;
  for (let depth = 0; depth <= MAX_INDEX_DEPTH; depth++) {
    const where = `manifest ${digest} of ${options.where}`;
    const parsed = parseManifest(bytes, {
      where,
      ...(contentType ? { contentType } : {}),
      ...(descriptorMediaType ? { descriptorMediaType } : {}),
    });
    if (parsed.kind === "manifest") {
      manifest = parsed;
      break;
    }
    indexDigest ??= digest;
    const chosen = choosePlatformManifest(parsed.manifests, wanted, `index ${digest} of ${options.where}`);
    const child = await reader.readManifest(chosen, options.signal);
    bytes = child.bytes;
    contentType = child.contentType;
    descriptorMediaType = chosen.mediaType;
    digest = chosen.digest;
    chosenPlatform = chosen.platform;
  }
  if (!manifest) {
    throw new ManifestInvalidError(
      options.where,
      `indexes are nested more than ${MAX_INDEX_DEPTH} levels deep`,
    );
  }
  const configWhere = `config ${manifest.config.digest} of ${options.where}`;
  const configBytes = await reader.readConfig(manifest.config, options.signal);
  const config = parseImageConfig(configBytes, configWhere);
  if (config.diffIds.length !== manifest.layers.length) {
    throw new ManifestInvalidError(
      configWhere,
      `the config lists ${config.diffIds.length} diff_ids but manifest ${digest} has ${manifest.layers.length} layers`,
    );
  }
  const platform: Platform = chosenPlatform
    ? normalizePlatform(chosenPlatform)
    : config.os && config.architecture
      ? normalizePlatform({
          os: config.os,
          architecture: config.architecture,
          ...(config.variant ? { variant: config.variant } : {}),
        })
      : wanted;
  return {
    reference: options.reference,
    ...(options.repository ? { repository: options.repository } : {}),
    manifestDigest: digest,
    manifestMediaType: manifest.mediaType,
    ...(indexDigest ? { indexDigest } : {}),
    platform,
    configDigest: manifest.config.digest,
    config,
    layers: manifest.layers,
  };
}
