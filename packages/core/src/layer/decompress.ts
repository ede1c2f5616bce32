import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import { Decompress as FzstdDecompress } from "fzstd";
import { LayerError } from "./layer-errors.js";
import { ZstdWindowGuard } from "./zstd-window-guard.js";

/** Compression of a layer blob, decided from its first bytes rather than its media type. */
export type LayerCompression = "gzip" | "zstd" | "none";

/**
 * Detect the compression from magic bytes. Media types lie in practice (docker-archive
 * layers are plain tars listed as gzip by some tools), so the bytes decide.
 */
export function sniffCompression(head: Uint8Array): LayerCompression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    return "zstd";
  }
  return "none";
}

/** 256 KiB output chunks: measured about twice as fast as zlib's 16 KiB default for layer-sized input. */
const CHUNK_SIZE = 256 * 1024;

type ZstdFactory = () => Transform;

/** Node 22.15+ has zstd in zlib; older Node falls back to the pure-JS fzstd decoder. */
const nativeZstd: ZstdFactory | undefined =
  typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === "function"
    ? () =>
        (zlib as unknown as { createZstdDecompress(o: object): Transform }).createZstdDecompress({
          chunkSize: CHUNK_SIZE,
        })
    : undefined;

/**
 * Input bytes handed to fzstd at a time. fzstd decodes every whole block of what it is given
 * and hands out the output at once, with no way to pause: one 64 KiB network chunk of a zstd
 * bomb (an RLE block is 4 bytes for 128 KiB of output) would be gigabytes before anyone counts
 * them. Fed 256 bytes at a time, one step yields at most about 8 MiB, and the consumer (which
 * counts against the uncompressed limit) pulls between steps.
 */
const FZSTD_STEP = 256;

/** fzstd's streaming decoder as a pull-driven generator; an incomplete frame at the end is an error. */
async function* fzstdDecompress(compressed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  const decoder = new FzstdDecompress((chunk) => {
    pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
  const drain = () => {
    const out = pending;
    pending = [];
    return out;
  };
  for await (const chunk of compressed) {
    for (let at = 0; at < chunk.length; at += FZSTD_STEP) {
      decoder.push(chunk.subarray(at, at + FZSTD_STEP));
      if (pending.length > 0) yield* drain();
    }
  }
  decoder.push(new Uint8Array(0), true);
  yield* drain();
}

function toZstdError(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  const reason = /EOF|end/i.test(message) ? "truncated" : "corrupt-compression";
  return new LayerError(
    reason,
    `zstd stream is ${reason === "truncated" ? "truncated" : "corrupt"}: ${message}`,
    {
      cause: error,
    },
  );
}

/** Map zlib's errors to layer errors that say what happened to the blob. */
function toGzipError(error: unknown): Error {
  if (error instanceof LayerError) return error;
  const code = (error as { code?: string }).code;
  if (code === "Z_BUF_ERROR") {
    return new LayerError("truncated", "gzip stream ends early: the layer blob is truncated", {
      cause: error,
    });
  }
  if (code === "Z_DATA_ERROR") {
    const message = error instanceof Error ? error.message : String(error);
    return new LayerError("corrupt-compression", `gzip stream is corrupt: ${message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Decompress a layer blob stream into its tar bytes, choosing the codec from the first
 * bytes. Errors of the source (a digest mismatch found at the end, a dropped connection)
 * surface from the returned iterator, so the consumer cannot mistake a bad layer for a
 * complete one.
 */
export async function* decompressLayer(blob: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = blob[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  let sourceDone = false;
  while (head.length < 4) {
    const next = await it.next();
    if (next.done) {
      sourceDone = true;
      break;
    }
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  const compression = sniffCompression(head);
  // Errors of the blob itself (digest mismatch, connection lost) pass through unchanged;
  // only the decoder's own errors are translated.
  let sourceError: unknown;
  async function* whole(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (sourceDone) return;
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await it.next();
      } catch (error) {
        sourceError = error;
        throw error;
      }
      if (next.done) return;
      // Outside the try: when the decoder fails (data after the end of the gzip stream, say),
      // Readable.from throws the decoder's error into this generator at its yield; that error
      // is the decoder's, to be translated below, not the blob's.
      yield next.value;
    }
  }
  if (compression === "none") {
    yield* whole();
    return;
  }
  /** zstd input passes the window guard before any decoder sees it (see ZstdWindowGuard). */
  async function* input(): AsyncGenerator<Buffer> {
    if (compression !== "zstd") {
      yield* whole();
      return;
    }
    const guard = new ZstdWindowGuard();
    for await (const chunk of whole()) {
      guard.check(chunk);
      yield chunk;
    }
  }
  if (compression === "zstd" && nativeZstd === undefined) {
    try {
      yield* fzstdDecompress(input());
    } catch (error) {
      if (sourceError !== undefined) throw sourceError;
      throw error instanceof LayerError ? error : toZstdError(error);
    }
    return;
  }
  const decoder: Transform =
    compression === "gzip" ? zlib.createGunzip({ chunkSize: CHUNK_SIZE }) : nativeZstd!();
  const source = Readable.from(input(), { objectMode: false, highWaterMark: CHUNK_SIZE });
  let failure: unknown;
  const done = pipeline(source, decoder).catch((error: unknown) => {
    failure = error;
  });
  try {
    for await (const chunk of decoder) yield chunk as Buffer;
  } catch (error) {
    failure ??= error;
  } finally {
    source.destroy();
    decoder.destroy();
  }
  await done;
  if (sourceError !== undefined) throw sourceError;
  if (failure !== undefined) {
    throw compression === "gzip"
      ? toGzipError(failure)
      : failure instanceof LayerError
        ? failure
        : toZstdError(failure);
  }
}
