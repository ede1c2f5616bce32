import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createInflateRaw, inflateRawSync } from "node:zlib";
import { zipCrc32 } from "./crc32.js";
import type { ZipEntry } from "./zip-entry.js";
import { ZipFormatError } from "./zip-errors.js";

/**
 * Entries up to these sizes (compressed, uncompressed) are read and inflated in one
 * synchronous call: fastest for many small members, and short enough (a few milliseconds)
 * not to stall the event loop.
 */
export const SYNC_INFLATE_MAX_COMPRESSED = 1024 * 1024;
export const SYNC_INFLATE_MAX_BYTES = 8 * 1024 * 1024;
/** Larger entries are read and inflated in chunks of this size, so the event loop keeps turning. */
const STREAM_CHUNK_BYTES = 1024 * 1024;

/** Reads `[offset, offset + length)` of the archive (bounds already checked by the caller). */
export type ChunkReader = (offset: number, length: number) => Promise<Buffer>;

function corrupt(entry: ZipEntry, cause: unknown): ZipFormatError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ZipFormatError("corrupt-data", `the deflate data is corrupt (${detail})`, {
    entryName: entry.name,
    cause,
  });
}

function tooLong(entry: ZipEntry): ZipFormatError {
  return new ZipFormatError(
    "size-mismatch",
    `the data inflates to more than the declared ${entry.uncompressedSize} bytes`,
    { entryName: entry.name },
  );
}

function checkResult(entry: ZipEntry, produced: number, consumed: number, crc: number): void {
  if (produced !== entry.uncompressedSize) {
    throw new ZipFormatError(
      "size-mismatch",
      `the data inflates to ${produced} bytes, not the declared ${entry.uncompressedSize}`,
      { entryName: entry.name },
    );
  }
  if (consumed !== entry.compressedSize) {
    throw new ZipFormatError(
      "corrupt-data",
      `the deflate stream ends after ${consumed} of the declared ${entry.compressedSize} compressed bytes`,
      { entryName: entry.name },
    );
  }
  if (crc !== entry.crc32) {
    throw new ZipFormatError(
      "crc-mismatch",
      `CRC-32 is ${crc.toString(16).padStart(8, "0")}, the archive declares ${entry.crc32.toString(16).padStart(8, "0")}`,
      { entryName: entry.name },
    );
  }
}

/**
 * Inflates an entry held in memory. zlib stops as soon as the output would pass the
 * declared size (`maxOutputLength`), so a member that lies about its size costs at most
 * one zlib chunk more than it declared, however much it would expand.
 */
export function inflateInMemory(entry: ZipEntry, compressed: Buffer): Buffer {
  if (entry.compressedSize === 0) {
    // Nothing to inflate; an empty entry is sometimes stored this way under method 8.
    checkResult(entry, 0, 0, 0);
    return Buffer.alloc(0);
  }
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    result = inflateRawSync(compressed, {
      maxOutputLength: Math.max(1, entry.uncompressedSize),
      // One output chunk a byte larger than declared: no joining of 16 KiB chunks, and the
      // stream's end (or a byte too many) is seen without a second chunk.
      chunkSize: Math.max(64, entry.uncompressedSize + 1),
      info: true,
    }) as unknown as typeof result;
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLong(entry);
    throw corrupt(entry, error);
  }
  checkResult(entry, result.buffer.length, result.engine.bytesWritten, zipCrc32(result.buffer));
  return result.buffer;
}

/**
 * Inflates a large entry while reading it chunk by chunk. Output goes into a buffer of the
 * declared size; a byte more fails the entry at once, whatever the compressed data holds.
 */
export async function inflateStreaming(
  entry: ZipEntry,
  dataOffset: number,
  read: ChunkReader,
  signal?: AbortSignal,
): Promise<Buffer> {
  const output = Buffer.allocUnsafe(entry.uncompressedSize);
  let produced = 0;
  let crc = 0;
  const inflater = createInflateRaw();
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let done = 0; done < entry.compressedSize; ) {
      const length = Math.min(STREAM_CHUNK_BYTES, entry.compressedSize - done);
      yield await read(dataOffset + done, length);
      done += length;
    }
  }
  try {
    await pipeline(
      Readable.from(chunks()),
      inflater,
      async (inflated: AsyncIterable<Buffer>) => {
        for await (const chunk of inflated) {
          if (produced + chunk.length > output.length) throw tooLong(entry);
          chunk.copy(output, produced);
          crc = zipCrc32(chunk, crc);
          produced += chunk.length;
        }
      },
      signal ? { signal } : {},
    );
  } catch (error) {
    if (error instanceof ZipFormatError || signal?.aborted) throw error;
    if ((error as { code?: string }).code?.startsWith("Z_")) throw corrupt(entry, error);
    throw error;
  }
  checkResult(entry, produced, inflater.bytesWritten, crc);
  return output;
}

/** Checks a stored entry's data (already `compressedSize` bytes, which equals the declared size). */
export function checkStored(entry: ZipEntry, data: Buffer): Buffer {
  const copy = Buffer.from(data);
  checkResult(entry, copy.length, copy.length, zipCrc32(copy));
  return copy;
}
