import type { Extractor } from "./extractor.js";

/** Thrown when two extractors in one list share a name: their cache keys and results would collide. */
export class DuplicateExtractorError extends Error {
  override readonly name = "DuplicateExtractorError";
}

/** Validate an explicit extractor list: unique names, path-like, sorted for a stable cache key. */
export function createExtractorList(extractors: readonly Extractor[]): readonly Extractor[] {
  const seen = new Set<string>();
  for (const extractor of extractors) {
    if (seen.has(extractor.name)) {
      throw new DuplicateExtractorError(`two extractors are named ${extractor.name}`);
    }
    if (!/^[a-z0-9-]+(\/[a-z0-9-]+)+$/.test(extractor.name)) {
      throw new Error(`extractor name ${JSON.stringify(extractor.name)} is not path-like (e.g. os/dpkg)`);
    }
    seen.add(extractor.name);
  }
  return Object.freeze([...extractors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
}
