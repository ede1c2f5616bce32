/**
 * Bounds on the work one Java archive can cause. The host already bounds the archive's own
 * size; these bound what is inflated from it, however deeply archives are nested.
 */
export interface JavaArchiveLimits {
  /**
   * Archives in a chain, the file itself counting as 1: with 4, an `.ear` holding a `.war`
   * holding a `.jar` holding a `.jar` is read, and an archive inside that last one is not.
   */
  readonly maxDepth: number;
  /**
   * Uncompressed bytes inflated from all members read (metadata files and nested archives,
   * at every depth) for one file given by the host.
   */
  readonly maxTotalBytes: number;
  /** Uncompressed bytes of one `pom.properties` or `MANIFEST.MF`; real ones are a few KiB. */
  readonly maxMetadataBytes: number;
}

/**
 * Defaults: nesting as deep as real applications go (ear → war → jar → shaded jar), and room
 * for the largest real-world fat jars and wars, whose nested jars are mostly stored, so that
 * they inflate to about their own size.
 */
export const DEFAULT_JAVA_ARCHIVE_LIMITS: JavaArchiveLimits = Object.freeze({
  maxDepth: 4,
  maxTotalBytes: 256 * 1024 ** 2,
  maxMetadataBytes: 1024 ** 2,
});
