import { createDirectoryJsonStore } from "./directory-json-store.js";
import type { CachedImageScan, ImageCache } from "./image-cache.js";

/** An image cache in a directory (`dir/images/`), beside the layer cache. */
export function createDirectoryImageCache(dir: string): ImageCache {
  return createDirectoryJsonStore(
    dir,
    "images",
    (value): value is CachedImageScan =>
      typeof (value as CachedImageScan | undefined)?.image?.manifestDigest === "string" &&
      Array.isArray((value as CachedImageScan).inventory?.packages),
  );
}
