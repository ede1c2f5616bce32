import { createHash } from "node:crypto";
import type { Extractor } from "../extract/extractor.js";
import type { InventoryMatches } from "../match/match-inventory.js";
import type { ResolvedImage } from "../model/image.js";
import type { ImageInventory } from "../model/image-inventory.js";
import { LAYER_CACHE_SCHEMA } from "./layer-cache.js";

/**
 * What a complete scan of one image digest produced. A digest names immutable content, so
 * its inventory never changes for the same extractors; its matches hold only while the
 * advisory data is the same (`matchedWith`), and are recomputed from the stored inventory,
 * without pulling anything, when it is not.
 */
export interface CachedImageScan {
  readonly image: ResolvedImage;
  readonly inventory: ImageInventory;
  /** The advisory revision the matches were computed with. */
  readonly matchedWith?: string;
  readonly matches?: InventoryMatches;
}

/** Complete image scans by digest (ARCHITECTURE.md section 6: each digest is scanned once). */
export interface ImageCache {
  get(key: string): Promise<CachedImageScan | undefined>;
  put(key: string, value: CachedImageScan): Promise<void>;
}

/** Bump when the shape of a cached image scan changes. */
export const IMAGE_CACHE_SCHEMA = 1;

/**
 * Cache key of one image digest: the digest pulled by (manifest or index), the platform
 * chosen from an index, every extractor's name and version, the per-file limit, and the
 * schemas, for the same reasons as the layer cache key.
 */
export function imageCacheKey(
  digest: string,
  platform: string,
  extractors: readonly Extractor[],
  maxFileSize: number,
): string {
  const parts = [
    `schema=${IMAGE_CACHE_SCHEMA}/${LAYER_CACHE_SCHEMA}`,
    `digest=${digest}`,
    `platform=${platform}`,
    `maxFileSize=${maxFileSize}`,
    ...extractors.map((e) => `${e.name}@${e.version}`).sort(),
  ];
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}
