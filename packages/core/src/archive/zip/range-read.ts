import { ZipFormatError } from "./zip-errors.js";
import type { ZipSource } from "./zip-source.js";

/**
 * Reads exactly `[offset, offset + length)` or throws a {@link ZipFormatError}: the one
 * gate every read of the reader goes through, so nothing is read outside the file.
 */
export async function readRange(
  source: ZipSource,
  offset: number,
  length: number,
  what: string,
  entryName?: string,
): Promise<Buffer> {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new ZipFormatError("out-of-bounds", `${what} has an impossible position`, { entryName, offset });
  }
  if (offset + length > source.size) {
    throw new ZipFormatError(
      "truncated",
      `${what} (${length} bytes) runs past the end of the file (${source.size} bytes)`,
      { entryName, offset },
    );
  }
  if (length === 0) return Buffer.alloc(0);
  const data = await source.read(offset, length);
  if (data.length !== length) {
    throw new ZipFormatError("truncated", `${what}: the file ended after ${data.length} of ${length} bytes`, {
      entryName,
      offset,
    });
  }
  return data;
}

/**
 * A reader that fetches a window of bytes at a time and serves the reads inside it from
 * memory: reading many small consecutive entries then costs one file read per window
 * instead of one or two per entry.
 */
export class WindowedReader {
  private start = 0;
  private window: Buffer = Buffer.alloc(0);

  constructor(
    private readonly source: ZipSource,
    private readonly windowBytes: number,
  ) {}

  async read(offset: number, length: number, what: string, entryName?: string): Promise<Buffer> {
    const from = offset - this.start;
    if (from >= 0 && from + length <= this.window.length) return this.window.subarray(from, from + length);
    if (length >= this.windowBytes || offset < 0 || offset + length > this.source.size) {
      return readRange(this.source, offset, length, what, entryName);
    }
    const size = Math.min(this.windowBytes, this.source.size - offset);
    this.window = await readRange(this.source, offset, size, what, entryName);
    this.start = offset;
    return this.window.subarray(0, length);
  }
}
