import type { AdvisorySource, SyncInput, SyncItem, SyncResult } from "../../source.js";
import { readLocationText, SourceReadError } from "../shared/read-location.js";
import { KevFormatError, parseKevCatalog } from "./parse-kev.js";

/** Where CISA publishes the catalog. */
export const KEV_DEFAULT_LOCATION =
  "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";

/** Options of {@link createKevSource}. */
export interface KevSourceOptions {
  /** Location used when a sync names none. Default {@link KEV_DEFAULT_LOCATION}. */
  readonly defaultLocation?: string;
}

/**
 * CISA's Known Exploited Vulnerabilities catalog as an enrichment source (snapshot mode): one
 * `kev` item per CVE, sorted by CVE. The location is a URL or a local file (plain or gzip).
 * The cursor is the catalog's `catalogVersion`, shown by `vigil db status`.
 */
export function createKevSource(options: KevSourceOptions = {}): AdvisorySource {
  const defaultLocation = options.defaultLocation ?? KEV_DEFAULT_LOCATION;
  return {
    name: "kev",
    version: 1,
    ecosystems: [],
    defaultLocation,
    async sync(input: SyncInput): Promise<SyncResult> {
      const location = input.location ?? defaultLocation;
      let cursor: string | undefined;
      async function* items(): AsyncGenerator<SyncItem> {
        const text = await readLocationText({ location, fetch: input.fetch, signal: input.signal });
        let document: unknown;
        try {
          document = JSON.parse(text);
        } catch (error) {
          throw new SourceReadError(
            location,
            `${location} is not valid JSON (${(error as Error).message}); nothing was imported`,
            {
              cause: error,
            },
          );
        }
        let parsed: ReturnType<typeof parseKevCatalog>;
        try {
          parsed = parseKevCatalog(document, location);
        } catch (error) {
          if (error instanceof KevFormatError)
            throw new SourceReadError(location, `${error.message}; nothing was imported`, { cause: error });
          throw error;
        }
        for (const problem of parsed.problems) yield { kind: "problem", problem };
        yield* parsed.items;
        cursor = parsed.catalogVersion;
      }
      return { mode: "snapshot", items: items(), cursor: () => cursor };
    },
  };
}
