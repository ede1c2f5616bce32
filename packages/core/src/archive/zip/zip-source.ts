import { open } from "node:fs/promises";
import { ZipFormatError } from "./zip-errors.js";

/**
 * Random access to the bytes of an archive. The reader never asks for bytes outside
 * `[0, size)`; a source may return fewer bytes than asked only when the underlying file
 * shrank, which the reader reports as truncation.
 */
export interface ZipSource {
  /** Length of the archive in bytes. */
  readonly size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

/** A {@link ZipSource} over an open file; `close` releases the handle. */
export interface ZipFileSource extends ZipSource {
  readonly path: string;
  close(): Promise<void>;
}

/** A source over bytes already in memory; reads are views, not copies. */
export function zipSourceFromBuffer(buffer: Buffer): ZipSource {
  return {
    size: buffer.length,
    read: (offset, length) => Promise.resolve(buffer.subarray(offset, offset + length)),
  };
}

/**
 * A source over a file, read with positional reads on one file handle (so concurrent
 * `readEntry` calls do not disturb each other). The size is taken once, at open.
 */
export async function zipSourceFromFile(path: string): Promise<ZipFileSource> {
  const handle = await open(path, "r");
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ZipFormatError("not-a-zip", `${path} is not a regular file`);
    return {
      path,
      size: stats.size,
      async read(offset, length) {
        const buffer = Buffer.allocUnsafe(length);
        let filled = 0;
        while (filled < length) {
          const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return filled === length ? buffer : buffer.subarray(0, filled);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
