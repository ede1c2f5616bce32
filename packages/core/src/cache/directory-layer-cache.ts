import type { LayerInventory } from "../model/layer-inventory.js";
import { createDirectoryJsonStore } from "./directory-json-store.js";
import type { LayerCache } from "./layer-cache.js";

/**
 * A layer cache in a directory (`dir/layers/`): one JSON file per key, written atomically;
 * an unreadable entry is a miss, so the layer is simply read again.
 */
export function createDirectoryLayerCache(dir: string): LayerCache {
  return createDirectoryJsonStore(
    dir,
    "layers",
    (value): value is LayerInventory =>
      typeof (value as LayerInventory | undefined)?.layerDigest === "string" &&
      Array.isArray((value as LayerInventory).files),
  );
}

/** An in-memory cache, for tests and for embedding programs that keep their own storage. */
export function createMemoryLayerCache(): LayerCache & { readonly size: number } {
  const entries = new Map<string, string>();
  return {
    async get(key) {
      const text = entries.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as LayerInventory);
    },
    async put(key, inventory) {
      entries.set(key, JSON.stringify(inventory));
    },
    get size() {
      return entries.size;
    },
  };
}
