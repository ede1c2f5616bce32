/** One entry of an archive, as its central directory describes it. */
export interface ZipEntry {
  /** Position in the central directory (0-based). */
  readonly index: number;
  /**
   * The name as stored (see `decodeEntryName`). It is data, not a path: it may contain
   * `..`, a leading `/`, backslashes or control characters; never join it to a directory.
   */
  readonly name: string;
  /** Names ending in `/` are directories by convention. */
  readonly isDirectory: boolean;
  /** Compression method: 0 stored, 8 deflate; others are listed but cannot be read. */
  readonly method: number;
  /** General-purpose bit flags (APPNOTE 4.4.4). */
  readonly flags: number;
  /** Bit 0, 6 or 13 of the flags, or method 99 (WinZip AES): the data cannot be read. */
  readonly encrypted: boolean;
  /** Bit 3: the local header has no sizes; a data descriptor follows the data. */
  readonly hasDataDescriptor: boolean;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** File offset of the entry's local header (bytes prepended to the archive included). */
  readonly localHeaderOffset: number;
}

/** Names of compression methods (APPNOTE 4.4.5), for messages about unsupported ones. */
const METHOD_NAMES: Readonly<Record<number, string>> = {
  0: "stored",
  1: "shrunk",
  2: "reduced (factor 1)",
  3: "reduced (factor 2)",
  4: "reduced (factor 3)",
  5: "reduced (factor 4)",
  6: "imploded",
  8: "deflate",
  9: "deflate64",
  10: "PKWARE DCL imploded",
  12: "bzip2",
  14: "LZMA",
  16: "IBM z/OS CMPSC",
  18: "IBM TERSE",
  19: "IBM LZ77 z",
  20: "zstd (deprecated id)",
  93: "zstd",
  94: "MP3",
  95: "xz",
  96: "JPEG",
  97: "WavPack",
  98: "PPMd",
  99: "WinZip AES",
};

/** `deflate64 (9)`, `method 1234`: how messages name a compression method. */
export function describeMethod(method: number): string {
  const name = METHOD_NAMES[method];
  return name === undefined ? `method ${method}` : `${name} (${method})`;
}
