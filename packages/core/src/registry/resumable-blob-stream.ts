import { Readable } from "node:stream";
import { ImageSourceAbortedError, RegistryConnectionError, SizeMismatchError } from "./errors.js";
import { type HttpResponse, headerValue } from "./http-client.js";
import { abandonBody } from "./read-body.js";
import { backoffDelay, isRetryableNetworkError, type RetryPolicy } from "./retry-policy.js";

/**
 * A blob download that survives dropped connections: when the body fails mid-way it asks
 * again with `Range: bytes=<received>-` (RFC 9110 §14) and continues where it stopped. A
 * server that ignores the Range and answers 200 is read from the start again, dropping the
 * bytes already passed on. The bytes leave in order, once each, so a hash computed
 * downstream (see verified-stream.ts) runs on unchanged. The stream never ends early: it
 * either delivers `size` bytes or errors.
 */

/** Options of {@link createResumableBlobStream}. */
export interface ResumableBlobStreamOptions {
  /** The response of the first GET (already checked to be 200). */
  readonly first: HttpResponse;
  /** Open the blob again from byte `offset` (sends a Range header when offset > 0). */
  readonly reopen: (offset: number, signal?: AbortSignal) => Promise<HttpResponse>;
  /** Expected size from the descriptor. */
  readonly size: number;
  /** What is being read, for messages. */
  readonly where: string;
  readonly url: string;
  readonly retry: RetryPolicy;
  readonly signal?: AbortSignal;
}

/** Thrown when a body ends cleanly before `size` bytes (a chunked response that stopped). */
class PrematureEndError extends Error {
  readonly code = "ECONNRESET";
}

/** Wraps an error that must not be retried again. */
class FinalError {
  constructor(readonly error: unknown) {}
}

/**
 * Check the length headers of a (re)opened blob response against what is expected and
 * return how many leading bytes must be skipped (a 200 answer to a Range request).
 * Throws {@link SizeMismatchError} when Content-Length or Content-Range disagree.
 */
export function checkBlobResponse(
  response: HttpResponse,
  offset: number,
  size: number,
  where: string,
): number {
  const length = headerValue(response.headers, "content-length");
  if (response.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(headerValue(response.headers, "content-range") ?? "");
    if (!range || Number(range[1]) !== offset || (range[3] !== "*" && Number(range[3]) !== size)) {
      throw new SizeMismatchError(
        size,
        range?.[3] && range[3] !== "*" ? Number(range[3]) : -1,
        where,
        `the resumed response has Content-Range "${headerValue(response.headers, "content-range")}" for bytes ${offset}-`,
      );
    }
    if (length !== undefined && Number(length) !== size - offset) {
      throw new SizeMismatchError(
        size - offset,
        Number(length),
        where,
        "Content-Length of the resumed response",
      );
    }
    return 0;
  }
  if (length !== undefined && Number(length) !== size) {
    throw new SizeMismatchError(
      size,
      Number(length),
      where,
      "the registry's Content-Length differs from the manifest",
    );
  }
  return offset;
}

/** A Readable of the blob's bytes that resumes after dropped connections (see the module comment). */
export function createResumableBlobStream(options: ResumableBlobStreamOptions): Readable {
  const { size, where, retry, signal } = options;
  async function* bytes(): AsyncGenerator<Buffer> {
    let response: HttpResponse | undefined = options.first;
    let offset = 0;
    let skip = 0;
    let failures = 0;
    for (;;) {
      try {
        if (!response) {
          // The registry client retries the request itself; its failure is final.
          try {
            response = await options.reopen(offset, signal);
            skip = checkBlobResponse(response, offset, size, where);
          } catch (error) {
            if (response) abandonBody(response.body);
            throw new FinalError(error);
          }
        }
        for await (const chunk of response.body) {
          let buf = chunk as Buffer;
          if (skip > 0) {
            if (buf.length <= skip) {
              skip -= buf.length;
              continue;
            }
            buf = buf.subarray(skip);
            skip = 0;
          }
          offset += buf.length;
          if (offset > size) {
            throw new SizeMismatchError(
              size,
              offset,
              where,
              "the registry sent more bytes than the manifest announced",
            );
          }
          // Progress resets the failure budget: a long download may survive many drops.
          failures = 0;
          yield buf;
        }
        if (offset === size) return;
        throw new PrematureEndError(`the body ended after ${offset} of ${size} bytes`);
      } catch (error) {
        if (response) abandonBody(response.body);
        response = undefined;
        if (signal?.aborted) throw new ImageSourceAbortedError(where, { cause: error });
        if (error instanceof FinalError) throw error.error;
        if (!isRetryableNetworkError(error)) throw error;
        failures++;
        if (failures >= retry.maxAttempts) {
          throw new RegistryConnectionError(
            options.url,
            `Reading ${where} failed after ${offset} of ${size} bytes and ${failures} attempts: ${
              (error as Error).message
            }. Check the network or the registry, then retry.`,
            { cause: error },
          );
        }
        try {
          await retry.sleep(backoffDelay(failures, retry), signal);
        } catch (sleepError) {
          throw new ImageSourceAbortedError(where, { cause: sleepError });
        }
      }
    }
  }
  return Readable.from(bytes(), { objectMode: false, highWaterMark: 1 << 20 });
}
