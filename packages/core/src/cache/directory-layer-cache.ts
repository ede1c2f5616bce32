import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LayerInventory } from "../model/layer-inventory.js";
import type { LayerCache } from "./layer-cache.js";

/**
 * A layer cache in a directory: one JSON file per key, written to a temporary name and
 * renamed into place so a crash never leaves a half-written entry. An unreadable entry is
 * a miss, not an error: the layer is simply read again.
 */
export function createDirectoryLayerCache(dir: string): LayerCache {
  const fileOf = (key: string) => join(dir, "layers", key.slice(0, 2), `${key}.json`);
  return {
    async get(key) {
      try {
        const text = await readFile(fileOf(key), "utf8");
        const value = JSON.parse(text) as LayerInventory;
        return typeof value?.layerDigest === "string" && Array.isArray(value.files) ? value : undefined;
      } catch {
        return undefined;
      }
    },
    async put(key, inventory) {
      const file = fileOf(key);
      await mkdir(join(file, ".."), { recursive: true });
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temp, JSON.stringify(inventory));
      await rename(temp, file);
    },
  };
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
