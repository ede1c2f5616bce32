import { Transform, type TransformCallback } from "node:stream";
import type { TokenBucket } from "./token-bucket.js";

/**
 * A pass-through stream that holds each chunk until a {@link TokenBucket} has paid for it.
 * It never reads ahead: while a chunk waits, the transform's callback is pending, so its
 * writable side fills and the source upstream is paused (for an HTTP body, the socket stops
 * being read and TCP flow control slows the sender). Memory stays at the streams' buffers,
 * whatever the blob's size. Destroying it cancels the wait at once.
 */
export class ThrottledStream extends Transform {
  private readonly cancel = new AbortController();

  constructor(private readonly bucket: TokenBucket) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bucket.wait(chunk.length, this.cancel.signal).then(
      () => {
        if (!this.destroyed) callback(null, chunk);
      },
      (error: unknown) => {
        if (!this.destroyed) callback(error as Error);
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.cancel.abort(error ?? new Error("the throttled stream was destroyed"));
    callback(error);
  }
}
