/**
 * Bounded reads of one file, for extractors that need a few ranges of a file that may be
 * far larger than anything worth holding in memory (executables: a Go binary's build info
 * sits at the start of its data segment, a Rust binary's `.dep-v0` section is found
 * through the section headers at the end).
 *
 * The host streams the layer forward: reading ahead is always possible (the bytes in
 * between are skipped, not kept); reading behind works only within a small window the
 * host retains. A read outside that window rejects with {@link OutsideReadWindowError};
 * the extractor must let it propagate: the host then walks the layer a second time with
 * every range the extractor asked for collected on the way, and runs it again. So an
 * extractor simply reads the ranges it needs, preferably in increasing offset order.
 */
export interface FileReader {
  /** File size in bytes. */
  readonly size: number;
  /**
   * Bytes `[offset, offset + length)`, clipped at the end of the file (a read past the end
   * returns fewer bytes, possibly none). `length` is bounded by the host's per-read limit.
   */
  readAt(offset: number, length: number): Promise<Buffer>;
}

/** A read behind the bytes the host still holds; the host handles it (see {@link FileReader}). */
export class OutsideReadWindowError extends Error {
  override readonly name = "OutsideReadWindowError";
  constructor(
    readonly path: string,
    readonly offset: number,
    readonly length: number,
  ) {
    super(`${path}: bytes ${offset}+${length} are behind the forward read window`);
  }
}

/** A single read over the host's per-read limit. */
export class ReadTooLargeError extends Error {
  override readonly name = "ReadTooLargeError";
  constructor(
    readonly path: string,
    readonly length: number,
    readonly limit: number,
  ) {
    super(`${path}: a read of ${length} bytes is over the per-read limit of ${limit} bytes`);
  }
}

/** A {@link FileReader} over a file already in memory (tests, hard links, small files). */
export function createBufferFileReader(content: Buffer): FileReader {
  return {
    size: content.length,
    readAt: async (offset, length) => {
      if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
        throw new RangeError(`invalid read ${offset}+${length}`);
      }
      return content.subarray(Math.min(offset, content.length), Math.min(offset + length, content.length));
    },
  };
}
