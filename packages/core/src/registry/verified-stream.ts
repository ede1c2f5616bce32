import type { Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { createDigestHash, parseDigest } from "./digest.js";
import { DigestMismatchError, SizeMismatchError } from "./errors.js";

/** What a verified stream checks the bytes against. */
export interface VerifiedStreamOptions {
  /** Expected digest (`sha256:…` or `sha512:…`). */
  readonly digest: string;
  /** Expected size in bytes; checked at the end, and as soon as it is exceeded. */
  readonly size?: number;
  /** Where the content comes from, for error messages (`blob sha256:… of registry …/repo`). */
  readonly where: string;
}

/**
 * A pass-through Transform that hashes what flows through it. When the input ends it
 * checks size and digest and, on a mismatch, errors with {@link SizeMismatchError} or
 * {@link DigestMismatchError} instead of ending. A consumer therefore sees `end` only for
 * content that is exactly the blob asked for. Bytes beyond the expected size are never
 * passed on: the stream errors as soon as the size is exceeded.
 */
export function createVerifiedStream(options: VerifiedStreamOptions): Transform {
  const { digest, size, where } = options;
  const { algorithm } = parseDigest(digest, where);
  const hash: Hash = createDigestHash(digest, where);
  let received = 0;
  return new Transform({
    // Large chunks: undici and fs hand over 16-64 KiB pieces; buffering more costs memory only.
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      received += chunk.length;
      if (size !== undefined && received > size) {
        callback(new SizeMismatchError(size, received, where, "more bytes than the descriptor announced"));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback): void {
      if (size !== undefined && received !== size) {
        callback(new SizeMismatchError(size, received, where, "the content ended early"));
        return;
      }
      const actual = `${algorithm}:${hash.digest("hex")}`;
      callback(actual === digest ? null : new DigestMismatchError(digest, actual, where));
    },
  });
}
