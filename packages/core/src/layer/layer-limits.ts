/**
 * Hard limits that protect the scanner (and so the machine it shares with others) from
 * hostile or accidental giant layers. Each can be raised by configuration.
 */
export interface LayerLimits {
  /** Entries (headers) in one layer tar. */
  readonly maxEntries: number;
  /** Uncompressed bytes of one layer: the decompression-bomb guard. */
  readonly maxUncompressedBytes: number;
  /** Largest single file read into memory for an extractor. */
  readonly maxFileSize: number;
  /** Largest PAX or GNU long-name header. */
  readonly maxMetaHeaderSize: number;
}

/** Defaults: generous for real images, small enough to keep one scan well under 200 MB of memory. */
export const DEFAULT_LAYER_LIMITS: LayerLimits = Object.freeze({
  maxEntries: 2_000_000,
  maxUncompressedBytes: 32 * 1024 ** 3,
  maxFileSize: 128 * 1024 ** 2,
  maxMetaHeaderSize: 1024 * 1024,
});
