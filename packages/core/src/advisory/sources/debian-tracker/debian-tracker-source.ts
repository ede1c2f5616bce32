import type { AdvisorySource, SyncInput, SyncItem, SyncResult } from "../../source.js";
import { readLocationText, SourceReadError } from "../shared/read-location.js";
import { convertTrackerData, TrackerFormatError } from "./convert-tracker.js";
import { DEBIAN_RELEASE_NUMBERS } from "./releases.js";

/** Where the Debian security tracker publishes all of its data as one JSON document. */
export const DEBIAN_TRACKER_DEFAULT_LOCATION = "https://security-tracker.debian.org/tracker/data/json";

/** Options of {@link createDebianTrackerSource}. */
export interface DebianTrackerSourceOptions {
  /**
   * Codename → release number, added to (and overriding) {@link DEBIAN_RELEASE_NUMBERS}, e.g.
   * `{duke: "15"}` once that release exists. Entries of codenames without a number are skipped
   * (reported once per codename).
   */
  readonly releases?: Readonly<Record<string, string>>;
  /** Location used when a sync names none. Default {@link DEBIAN_TRACKER_DEFAULT_LOCATION}. */
  readonly defaultLocation?: string;
}

/**
 * The Debian security tracker source (snapshot mode): one record per CVE, keyed by source
 * package and release number (see {@link convertTrackerData}). The location is the tracker's
 * JSON URL or a local copy (plain or gzip). The document is parsed whole (~70 MB; a streaming
 * parser is not worth its code), but never held twice: the text is dropped once parsed and the
 * parsed tree is emptied as it is converted.
 */
export function createDebianTrackerSource(options: DebianTrackerSourceOptions = {}): AdvisorySource {
  const defaultLocation = options.defaultLocation ?? DEBIAN_TRACKER_DEFAULT_LOCATION;
  const releases = Object.freeze({ ...DEBIAN_RELEASE_NUMBERS, ...options.releases });
  for (const [codename, number] of Object.entries(releases)) {
    if (!/^\d+$/.test(number))
      throw new Error(`debian-tracker: release ${codename} needs a number, not ${JSON.stringify(number)}`);
  }
  return {
    name: "debian-tracker",
    version: 1,
    ecosystems: ["Debian"],
    defaultLocation,
    async sync(input: SyncInput): Promise<SyncResult> {
      const location = input.location ?? defaultLocation;
      async function* items(): AsyncGenerator<SyncItem> {
        const data = parseDocument(
          await readLocationText({ location, fetch: input.fetch, signal: input.signal }),
          location,
        );
        input.signal?.throwIfAborted();
        let converted: ReturnType<typeof convertTrackerData>;
        try {
          converted = convertTrackerData(data, { location, now: input.now, releases, signal: input.signal });
        } catch (error) {
          if (error instanceof TrackerFormatError)
            throw new SourceReadError(location, `${error.message}; nothing was imported`, { cause: error });
          throw error;
        }
        for (const problem of converted.problems) yield { kind: "problem", problem };
        for (const { record, upstreamUrl } of converted.records)
          yield { kind: "advisory", record, upstreamUrl };
      }
      return { mode: "snapshot", items: items(), cursor: () => undefined };
    },
  };
}

/** Parse in a function of its own so the text is garbage once the tree exists. */
function parseDocument(text: string, location: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SourceReadError(
      location,
      `${location} is not valid JSON (${(error as Error).message}); nothing was imported`,
      {
        cause: error,
      },
    );
  }
}
