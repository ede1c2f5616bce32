import type { AdvisorySource, SyncInput, SyncItem, SyncResult } from "../../source.js";
import { readLocationLines, SourceReadError } from "../shared/read-location.js";
import { EpssFormatError, EpssReader } from "./parse-epss.js";

/** Where FIRST publishes the current scores (gzip CSV). */
export const EPSS_DEFAULT_LOCATION = "https://epss.cyentia.com/epss_scores-current.csv.gz";

/** Options of {@link createEpssSource}. */
export interface EpssSourceOptions {
  /** Location used when a sync names none. Default {@link EPSS_DEFAULT_LOCATION}. */
  readonly defaultLocation?: string;
}

/**
 * FIRST's EPSS scores as an enrichment source (snapshot mode): one `epss` item per CVE, in
 * file order, read line by line. The location is a URL or a local file, gzip or plain. Every
 * score carries the file's score date. The cursor is that date, shown by `vigil db status`.
 */
export function createEpssSource(options: EpssSourceOptions = {}): AdvisorySource {
  const defaultLocation = options.defaultLocation ?? EPSS_DEFAULT_LOCATION;
  return {
    name: "epss",
    version: 1,
    ecosystems: [],
    defaultLocation,
    async sync(input: SyncInput): Promise<SyncResult> {
      const location = input.location ?? defaultLocation;
      let cursor: string | undefined;
      async function* items(): AsyncGenerator<SyncItem> {
        const named = /(\d{4}-\d{2}-\d{2})/.exec(location.split("/").pop() ?? "")?.[1];
        const reader = new EpssReader(location, named ?? input.now.slice(0, 10));
        let dateReported = false;
        try {
          for await (const { text, line } of readLocationLines({
            location,
            fetch: input.fetch,
            signal: input.signal,
          })) {
            const item = reader.line(text, line);
            if (!dateReported && reader.info.scoreDate === undefined && item?.kind === "epss") {
              dateReported = true;
              yield {
                kind: "problem",
                problem: {
                  location,
                  reason: `no #score_date line before the header; scores are dated ${item.date}, ${named ? "from the file name" : "the day of the sync"}`,
                },
              };
            }
            if (item) yield item;
            if (line % 4096 === 0) input.signal?.throwIfAborted();
          }
          reader.end();
        } catch (error) {
          if (error instanceof EpssFormatError)
            throw new SourceReadError(location, `${error.message}; nothing was imported`, { cause: error });
          throw error;
        }
        cursor = reader.info.scoreDate;
      }
      return { mode: "snapshot", items: items(), cursor: () => cursor };
    },
  };
}
