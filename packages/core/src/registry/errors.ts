/**
 * Errors raised by image sources. Every message says what failed, where (registry URL,
 * file, digest) and what to do; the underlying error, when there is one, is the `cause`.
 * They all extend {@link ImageSourceError} so a caller can tell "the image could not be
 * read" from a bug.
 */

/** Options every image-source error accepts. */
export interface ImageSourceErrorOptions {
  readonly cause?: unknown;
}

/** Base class of every error an image source throws or emits on a blob stream. */
export class ImageSourceError extends Error {
  constructor(message: string, options?: ImageSourceErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** A reference string (`alpine`, `host:5000/repo:tag@sha256:…`, `oci:DIR:TAG`) that cannot be parsed. */
export class ImageReferenceError extends ImageSourceError {
  constructor(
    readonly reference: string,
    reason: string,
    options?: ImageSourceErrorOptions,
  ) {
    super(`Invalid image reference "${reference}": ${reason}.`, options);
  }
}

/** A blob or manifest whose bytes do not hash to the digest it was asked for by. */
export class DigestMismatchError extends ImageSourceError {
  constructor(
    readonly expected: string,
    readonly actual: string,
    readonly where: string,
    options?: ImageSourceErrorOptions,
  ) {
    super(
      `Content of ${where} does not match its digest: expected ${expected}, got ${actual}. ` +
        "The content is corrupt or was tampered with; it was not used. Retry, and if it persists " +
        "re-push the image or report it to the registry's operator.",
      options,
    );
  }
}

/** Content whose length differs from the size its descriptor (or Content-Length) announced. */
export class SizeMismatchError extends ImageSourceError {
  constructor(
    readonly expected: number,
    readonly actual: number,
    readonly where: string,
    detail?: string,
    options?: ImageSourceErrorOptions,
  ) {
    super(
      `Content of ${where} has the wrong size: expected ${expected} bytes, got ${actual}` +
        `${detail ? ` (${detail})` : ""}. The content was not used; retry, and if it persists ` +
        "check the registry or the proxy in front of it.",
      options,
    );
  }
}

/** A manifest, index or config that is not valid JSON or misses a required field. */
export class ManifestInvalidError extends ImageSourceError {
  constructor(
    readonly where: string,
    reason: string,
    options?: ImageSourceErrorOptions,
  ) {
    super(
      `Malformed manifest or config at ${where}: ${reason}. The image cannot be read as published.`,
      options,
    );
  }
}

/** A manifest format Vigil does not read (Docker schema 1, an unknown media type). */
export class UnsupportedManifestError extends ImageSourceError {
  constructor(
    readonly where: string,
    readonly mediaType: string,
    advice: string,
    options?: ImageSourceErrorOptions,
  ) {
    super(`Unsupported manifest at ${where} (media type ${mediaType || "none"}): ${advice}`, options);
  }
}

/** An index that offers no manifest for the requested platform. */
export class PlatformNotFoundError extends ImageSourceError {
  constructor(
    readonly where: string,
    readonly requested: string,
    readonly offered: readonly string[],
    options?: ImageSourceErrorOptions,
  ) {
    super(
      `No manifest for platform ${requested} in ${where}; it offers ${
        offered.length > 0 ? offered.join(", ") : "no platform-specific manifests"
      }. Choose one of those with --platform.`,
      options,
    );
  }
}

/** Content missing from a local source (layout directory, archive) or a tag that is not there. */
export class ContentNotFoundError extends ImageSourceError {
  constructor(message: string, options?: ImageSourceErrorOptions) {
    super(message, options);
  }
}

/** A local file or directory that is not the kind of image source its prefix claims. */
export class LocalSourceError extends ImageSourceError {
  constructor(
    readonly path: string,
    reason: string,
    options?: ImageSourceErrorOptions,
  ) {
    super(`Cannot read image source ${path}: ${reason}.`, options);
  }
}

/** A Docker `config.json` (or pull secret) that cannot be read or parsed. */
export class DockerConfigError extends ImageSourceError {
  constructor(
    readonly where: string,
    reason: string,
    options?: ImageSourceErrorOptions,
  ) {
    super(`Cannot use registry credentials from ${where}: ${reason}.`, options);
  }
}

/** What a registry said in its error body (`{"errors":[{"code","message"}]}`), kept as a cause. */
export class RegistryErrorBody extends Error {
  constructor(
    readonly codes: readonly string[],
    message: string,
  ) {
    super(message);
    this.name = "RegistryErrorBody";
  }
}

/** A registry answered with an HTTP error status (after retries, where retrying made sense). */
export class RegistryResponseError extends ImageSourceError {
  constructor(
    readonly status: number,
    readonly url: string,
    message: string,
    options?: ImageSourceErrorOptions,
  ) {
    super(message, options);
  }
}

/** 401/403: credentials missing, wrong, or not allowed to pull. */
export class RegistryAuthError extends RegistryResponseError {}

/** 404: the repository, manifest (tag or digest) or blob does not exist. */
export class RegistryNotFoundError extends RegistryResponseError {}

/** The registry could not be reached or the connection failed, after retries. */
export class RegistryConnectionError extends ImageSourceError {
  constructor(
    readonly url: string,
    message: string,
    options?: ImageSourceErrorOptions,
  ) {
    super(message, options);
  }
}

/** The operation was cancelled through its AbortSignal. */
export class ImageSourceAbortedError extends ImageSourceError {
  constructor(where: string, options?: ImageSourceErrorOptions) {
    super(`Reading ${where} was cancelled.`, options);
  }
}
