/**
 * Hard limits that keep a hostile or broken archive (a zip bomb, a jar nested in a jar, a
 * central directory claiming millions of entries) from exhausting memory or time. Each is
 * checked against declared values before any work, and against actual bytes while inflating.
 */
export interface ZipLimits {
  /** Entries in the central directory. */
  readonly maxEntries: number;
  /** Bytes of the central directory, which is read into memory whole. */
  readonly maxCentralDirectoryBytes: number;
  /** Uncompressed bytes of one entry (`readEntry`'s `maxBytes` replaces it per call). */
  readonly maxEntryBytes: number;
  /** Uncompressed bytes handed out over the archive's lifetime (all `readEntry` calls). */
  readonly maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio of an entry of at least `ratioCheckMinBytes`. */
  readonly maxCompressionRatio: number;
  /** Entries smaller than this are exempt from the ratio check (tiny files have silly ratios). */
  readonly ratioCheckMinBytes: number;
}

/**
 * Defaults: room for the largest OSV ecosystem exports and real-world jars (a few hundred
 * thousand entries, members up to 128 MiB like the layer walker's `maxFileSize`), while a
 * deflate bomb (ratio ~1000:1) is refused before it is inflated.
 */
export const DEFAULT_ZIP_LIMITS: ZipLimits = Object.freeze({
  maxEntries: 1_000_000,
  maxCentralDirectoryBytes: 256 * 1024 ** 2,
  maxEntryBytes: 128 * 1024 ** 2,
  maxTotalBytes: 16 * 1024 ** 3,
  maxCompressionRatio: 200,
  ratioCheckMinBytes: 1024 ** 2,
});
