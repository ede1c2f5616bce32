import { createHash } from "node:crypto";
import { pipeline, type Readable } from "node:stream";
import type { Descriptor, ResolvedImage } from "../model/image.js";
import { parseDigest, verifyBytes } from "./digest.js";
import {
  DigestMismatchError,
  ImageSourceAbortedError,
  ManifestInvalidError,
  RegistryConnectionError,
} from "./errors.js";
import { type HttpResponse, headerValue } from "./http-client.js";
import { formatImageReference, type ImageReference, repositoryOf } from "./image-reference.js";
import type { ImageSource, ResolveOptions } from "./image-source.js";
import { MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES } from "./manifest.js";
import { MANIFEST_ACCEPT } from "./media-types.js";
import { abandonBody, readBodyBytes } from "./read-body.js";
import { pullScope } from "./registry-auth.js";
import type { RegistryClient } from "./registry-client.js";
import { type ManifestReader, resolveImage } from "./resolve-image.js";
import { checkBlobResponse, createResumableBlobStream } from "./resumable-blob-stream.js";
import { backoffDelay, isRetryableNetworkError, type RetryPolicy } from "./retry-policy.js";
import { createVerifiedStream } from "./verified-stream.js";

/**
 * An {@link ImageSource} over the OCI distribution API
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pull):
 * `GET /v2/<name>/manifests/<reference>` and `GET /v2/<name>/blobs/<digest>`.
 * Every manifest and blob is checked against its digest; a tag's manifest against the
 * registry's `Docker-Content-Digest` when it sends one.
 */

/** Options of {@link createRegistrySource}. */
export interface RegistrySourceOptions {
  readonly reference: ImageReference;
  /** The client for the reference's registry (it holds scheme, auth and retry settings). */
  readonly client: RegistryClient;
  readonly retry: RetryPolicy;
}

function sizeCapCheck(response: HttpResponse, max: number, where: string): void {
  const length = headerValue(response.headers, "content-length");
  if (length !== undefined && Number(length) > max) {
    abandonBody(response.body);
    throw new ManifestInvalidError(
      where,
      `it is ${length} bytes, over the ${max}-byte limit for documents Vigil buffers`,
    );
  }
}

/** Create an image source for a registry reference. */
export function createRegistrySource(options: RegistrySourceOptions): ImageSource {
  const { reference: ref, client, retry } = options;
  const repository = repositoryOf(ref);
  const scope = pullScope(ref.repository);
  const normalized = formatImageReference(ref);
  const where = `registry ${repository}`;

  const manifestPath = (reference: string): string => `/v2/${ref.repository}/manifests/${reference}`;
  const blobPath = (digest: string): string => `/v2/${ref.repository}/blobs/${digest}`;

  /**
   * GET a manifest or config and read it whole. A connection that drops while the body is read
   * (reset, or closed short of its Content-Length) asks again from the start, as the client
   * does for a request that got no answer: these documents are small, so there is nothing to
   * resume, and one dropped connection must not fail an image.
   */
  async function fetchSmall(
    path: string,
    what: string,
    max: number,
    accept: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ bytes: Buffer; response: HttpResponse }> {
    const whereText = `${what} of ${where}`;
    for (let attempt = 1; ; attempt++) {
      const response = await client.get({
        path,
        scope,
        what,
        ...(accept ? { accept } : {}),
        ...(signal ? { signal } : {}),
      });
      sizeCapCheck(response, max, whereText);
      try {
        const bytes = await readBodyBytes(response.body, max, whereText);
        return { bytes, response };
      } catch (error) {
        if (signal?.aborted) throw new ImageSourceAbortedError(whereText, { cause: error });
        if (!isRetryableNetworkError(error)) throw error;
        if (attempt >= retry.maxAttempts) {
          throw new RegistryConnectionError(
            `${client.baseUrl}${path}`,
            `Reading ${whereText} failed: the connection dropped before the end of the answer ` +
              `${attempt} times (${(error as Error).message}). Check the network or the registry, then retry.`,
            { cause: error },
          );
        }
        try {
          await retry.sleep(backoffDelay(attempt, retry), signal);
        } catch (sleepError) {
          throw new ImageSourceAbortedError(whereText, { cause: sleepError });
        }
      }
    }
  }

  const reader: ManifestReader = {
    async readManifest(descriptor, signal) {
      const what = `manifest ${descriptor.digest}`;
      const { bytes, response } = await fetchSmall(
        manifestPath(descriptor.digest),
        what,
        MAX_MANIFEST_BYTES,
        MANIFEST_ACCEPT,
        signal,
      );
      verifyBytes(bytes, descriptor.digest, descriptor.size, `${what} of ${where}`);
      const contentType = headerValue(response.headers, "content-type");
      return { bytes, ...(contentType ? { contentType } : {}) };
    },
    async readConfig(descriptor, signal) {
      const what = `config blob ${descriptor.digest}`;
      const { bytes } = await fetchSmall(
        blobPath(descriptor.digest),
        what,
        MAX_CONFIG_BYTES,
        undefined,
        signal,
      );
      verifyBytes(bytes, descriptor.digest, descriptor.size, `${what} of ${where}`);
      return bytes;
    },
  };

  return {
    description: `registry ${normalized}`,

    async resolve(resolveOptions: ResolveOptions = {}): Promise<ResolvedImage> {
      const { signal, platform } = resolveOptions;
      const target = ref.digest ?? ref.tag ?? "latest";
      const what = `manifest ${ref.repository}${ref.digest ? `@${ref.digest}` : `:${target}`}`;
      const { bytes, response } = await fetchSmall(
        manifestPath(target),
        what,
        MAX_MANIFEST_BYTES,
        MANIFEST_ACCEPT,
        signal,
      );
      const whereText = `${what} of ${where}`;
      let digest: string;
      if (ref.digest) {
        verifyBytes(bytes, ref.digest, undefined, whereText);
        digest = ref.digest;
      } else {
        // A tag is not content-addressed: the digest is the hash of what was served, and it
        // must agree with the registry's own claim when it makes one.
        const claimed = headerValue(response.headers, "docker-content-digest");
        const algorithm = claimed?.startsWith("sha512:") ? "sha512" : "sha256";
        const actual = `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
        if (
          claimed &&
          (claimed.startsWith("sha256:") || claimed.startsWith("sha512:")) &&
          claimed !== actual
        ) {
          throw new DigestMismatchError(claimed, actual, whereText);
        }
        digest = actual;
      }
      const contentType = headerValue(response.headers, "content-type");
      return resolveImage({ bytes, digest, ...(contentType ? { contentType } : {}) }, reader, {
        reference: normalized,
        repository,
        where: `${where}`,
        ...(platform ? { platform } : {}),
        ...(signal ? { signal } : {}),
      });
    },

    async openBlob(
      descriptor: Descriptor,
      blobOptions: { readonly signal?: AbortSignal } = {},
    ): Promise<Readable> {
      const { signal } = blobOptions;
      parseDigest(descriptor.digest, `a descriptor of ${where}`);
      const what = `blob ${descriptor.digest}`;
      const blobWhere = `${what} of ${where}`;
      const open = (offset: number, s?: AbortSignal): Promise<HttpResponse> =>
        client.get({
          path: blobPath(descriptor.digest),
          scope,
          what,
          ...(offset > 0 ? { range: `bytes=${offset}-` } : {}),
          ...(s ? { signal: s } : {}),
        });
      const first = await open(0, signal);
      try {
        checkBlobResponse(first, 0, descriptor.size, blobWhere);
      } catch (error) {
        abandonBody(first.body);
        throw error;
      }
      const raw = createResumableBlobStream({
        first,
        reopen: open,
        size: descriptor.size,
        where: blobWhere,
        url: `${client.baseUrl}${blobPath(descriptor.digest)}`,
        retry,
        ...(signal ? { signal } : {}),
      });
      const verified = createVerifiedStream({
        digest: descriptor.digest,
        size: descriptor.size,
        where: blobWhere,
      });
      pipeline(raw, verified, () => {
        // Errors reach the consumer through `verified`; nothing else to do here.
      });
      return verified;
    },
  };
}
