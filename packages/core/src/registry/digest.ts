import { createHash, type Hash } from "node:crypto";
import { DigestMismatchError, ImageSourceError, SizeMismatchError } from "./errors.js";

/**
 * Content digests (`algorithm:encoded`) as the OCI image spec defines them
 * (https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests).
 * Only the registered algorithms sha256 and sha512 are accepted: an unknown algorithm
 * cannot be verified, and unverified content is never handed out.
 */

const HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };

/** A digest split into its parts. */
export interface ParsedDigest {
  readonly algorithm: "sha256" | "sha512";
  readonly hex: string;
}

/** An invalid or unsupported digest string. */
export class InvalidDigestError extends ImageSourceError {
  constructor(
    readonly digest: string,
    readonly where: string,
  ) {
    super(
      `Invalid digest "${digest}" in ${where}: expected sha256:<64 hex> or sha512:<128 hex>. ` +
        "The manifest or reference is malformed.",
    );
  }
}

/** Parse and validate a digest; throws {@link InvalidDigestError}. */
export function parseDigest(digest: string, where = "a descriptor"): ParsedDigest {
  const parsed = tryParseDigest(digest);
  if (!parsed) throw new InvalidDigestError(digest, where);
  return parsed;
}

/** True when `digest` is a well-formed sha256/sha512 digest. */
export function isDigest(digest: string): boolean {
  // Without building an error: discovery asks this of every container's imageID.
  return tryParseDigest(digest) !== undefined;
}

function tryParseDigest(digest: string): ParsedDigest | undefined {
  const colon = digest.indexOf(":");
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const length = HEX_LENGTH[algorithm];
  if (colon <= 0 || length === undefined || hex.length !== length || !/^[a-f0-9]+$/.test(hex))
    return undefined;
  return { algorithm: algorithm as ParsedDigest["algorithm"], hex };
}

/** A hash object for the algorithm of `digest`. */
export function createDigestHash(digest: string, where?: string): Hash {
  return createHash(parseDigest(digest, where).algorithm);
}

/** The sha256 digest of `bytes`, as `sha256:<hex>`. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/**
 * Check a buffered piece of content (manifest, config) against its digest and, when known,
 * its size. Throws {@link DigestMismatchError} or {@link SizeMismatchError}.
 */
export function verifyBytes(
  bytes: Uint8Array,
  digest: string,
  size: number | undefined,
  where: string,
): void {
  if (size !== undefined && bytes.length !== size) {
    throw new SizeMismatchError(size, bytes.length, where);
  }
  const { algorithm } = parseDigest(digest, where);
  const actual = `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
  if (actual !== digest) throw new DigestMismatchError(digest, actual, where);
}
