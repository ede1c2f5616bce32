import { createHash } from "node:crypto";
import type { Extractor } from "../extract/extractor.js";
import type { LayerInventory } from "../model/layer-inventory.js";

/**
 * Per-layer extraction results, keyed by content: the same layer blob read by the same
 * extractor versions always gives the same result, whatever image it sits in.
 * Implementations must never return a partial entry (write atomically).
 */
export interface LayerCache {
  get(key: string): Promise<LayerInventory | undefined>;
  put(key: string, inventory: LayerInventory): Promise<void>;
}

/** Bump when the shape of a cached LayerInventory or the walker's semantics change. */
export const LAYER_CACHE_SCHEMA = 1;

/**
 * Cache key of one layer: its blob digest, every extractor's name and version, the
 * cache schema, and the per-file limit (a larger limit can read files a smaller one
 * skipped, so results differ).
 */
export function layerCacheKey(
  layerDigest: string,
  extractors: readonly Extractor[],
  maxFileSize: number,
): string {
  const parts = [
    `schema=${LAYER_CACHE_SCHEMA}`,
    `layer=${layerDigest}`,
    `maxFileSize=${maxFileSize}`,
    ...extractors.map((e) => `${e.name}@${e.version}`).sort(),
  ];
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}
