import type { AdvisorySource } from "../../source.js";

/** Thrown when two sources in one list share a name: their stored data and state would collide. */
export class DuplicateAdvisorySourceError extends Error {
  override readonly name = "DuplicateAdvisorySourceError";
}

/**
 * Validate an explicit source list (ARCHITECTURE.md section 3): unique names, each in
 * kebab-case (the name keys the source's stored data and state), sorted by name so status
 * listings and sync order are stable.
 */
export function createAdvisorySourceList(sources: readonly AdvisorySource[]): readonly AdvisorySource[] {
  const seen = new Set<string>();
  for (const source of sources) {
    if (seen.has(source.name))
      throw new DuplicateAdvisorySourceError(`two advisory sources are named ${source.name}`);
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(source.name)) {
      throw new Error(
        `advisory source name ${JSON.stringify(source.name)} is not kebab-case (e.g. alpine-secdb)`,
      );
    }
    seen.add(source.name);
  }
  return Object.freeze([...sources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
}
