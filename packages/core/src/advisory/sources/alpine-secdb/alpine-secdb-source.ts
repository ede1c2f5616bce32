import { readdir, stat } from "node:fs/promises";
import type { AdvisorySource, SyncInput, SyncItem, SyncResult } from "../../source.js";
import {
  isRemoteLocation,
  joinLocation,
  localPath,
  readLocationText,
  SourceReadError,
} from "../shared/read-location.js";
import { buildAlpineRecords, compareReleases } from "./build-records.js";
import { isAlpineRelease, parseSecdbDocument, SecdbFormatError, type SecfixEntry } from "./parse-secdb.js";

/** Where Alpine publishes secdb: `<base>/<release>/{main,community}.json`. */
export const ALPINE_SECDB_DEFAULT_LOCATION = "https://secdb.alpinelinux.org";

/** Options of {@link createAlpineSecdbSource}. */
export interface AlpineSecdbSourceOptions {
  /**
   * Releases to read (`v3.19`, `edge`). Default: every `vX.Y` release the location lists (the
   * server's directory index, or the local directory's subdirectories). `edge` is read only
   * when listed here: it is a moving target that images rarely run.
   */
  readonly releases?: readonly string[];
  /** Repositories per release. Default `main` and `community`. */
  readonly repositories?: readonly string[];
  /** Location used when a sync names none. Default {@link ALPINE_SECDB_DEFAULT_LOCATION}. */
  readonly defaultLocation?: string;
}

/** One secdb file to read. */
interface SecdbFile {
  readonly location: string;
  readonly release?: string;
  readonly repository?: string;
  /** A missing file is tolerated (releases before v3.3 publish no community file). */
  readonly optional: boolean;
}

/**
 * The Alpine secdb source (snapshot mode). The location is a base URL (default
 * {@link ALPINE_SECDB_DEFAULT_LOCATION}), a local directory laid out
 * `<release>/<repository>.json`, or a single secdb file (URL or path, ending in `.json`).
 * Records: see {@link buildAlpineRecords}.
 */
export function createAlpineSecdbSource(options: AlpineSecdbSourceOptions = {}): AdvisorySource {
  const defaultLocation = options.defaultLocation ?? ALPINE_SECDB_DEFAULT_LOCATION;
  const repositories = options.repositories ?? ["main", "community"];
  for (const release of options.releases ?? []) {
    if (!isAlpineRelease(release))
      throw new Error(`alpine-secdb: ${JSON.stringify(release)} is not an Alpine release (v3.19, edge)`);
  }
  return {
    name: "alpine-secdb",
    version: 1,
    ecosystems: ["Alpine"],
    defaultLocation,
    async sync(input: SyncInput): Promise<SyncResult> {
      const location = input.location ?? defaultLocation;
      return {
        mode: "snapshot",
        items: syncItems(input, location, options.releases, repositories),
        cursor: () => undefined,
      };
    },
  };
}

async function* syncItems(
  input: SyncInput,
  location: string,
  releases: readonly string[] | undefined,
  repositories: readonly string[],
): AsyncGenerator<SyncItem> {
  const files = await listFiles(input, location, releases, repositories);
  const entries: SecfixEntry[] = [];
  for (const file of files) {
    input.signal?.throwIfAborted();
    let text: string;
    try {
      text = await readLocationText({ location: file.location, fetch: input.fetch, signal: input.signal });
    } catch (error) {
      if (
        file.optional &&
        error instanceof SourceReadError &&
        (error.status === 404 || isMissingFile(error))
      ) {
        yield { kind: "problem", problem: { location: file.location, reason: "not published; skipped" } };
        continue;
      }
      throw error;
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new SourceReadError(
        file.location,
        `${file.location} is not valid JSON (${(error as Error).message}); nothing was imported`,
        {
          cause: error,
        },
      );
    }
    let parsed: ReturnType<typeof parseSecdbDocument>;
    try {
      parsed = parseSecdbDocument(document, file);
    } catch (error) {
      if (error instanceof SecdbFormatError)
        throw new SourceReadError(file.location, `${error.message}; nothing was imported`, { cause: error });
      throw error;
    }
    for (const problem of parsed.problems) yield { kind: "problem", problem };
    entries.push(...parsed.entries);
  }
  for (const { record, upstreamUrl } of buildAlpineRecords(entries, input.now)) {
    yield { kind: "advisory", record, upstreamUrl };
  }
}

/** The files a location stands for, in a stable order. */
async function listFiles(
  input: SyncInput,
  location: string,
  configured: readonly string[] | undefined,
  repositories: readonly string[],
): Promise<SecdbFile[]> {
  if (/\.json$/i.test(location)) return [{ location, optional: false }];
  if (isRemoteLocation(location)) {
    const releases = configured ?? (await discoverRemoteReleases(input, location));
    return filesOf(releases, repositories, (release, repository) =>
      joinLocation(location, release, `${repository}.json`),
    );
  }
  const path = localPath(location);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw new SourceReadError(
      location,
      `could not read ${location}: ${(error as Error).message} (check the configured location)`,
      {
        cause: error,
      },
    );
  }
  if (info.isFile()) return [{ location, optional: false }];
  const present = (await readdir(path, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  const releases = configured ?? present.filter((name) => /^v\d+\.\d+$/.test(name));
  if (releases.length === 0) {
    throw new SourceReadError(
      location,
      `${location} holds no <release>/<repository>.json secdb files (e.g. v3.19/main.json)`,
    );
  }
  return filesOf(releases, repositories, (release, repository) =>
    joinLocation(path, release, `${repository}.json`),
  );
}

function filesOf(
  releases: readonly string[],
  repositories: readonly string[],
  locate: (release: string, repository: string) => string,
): SecdbFile[] {
  return [...releases].sort(compareReleases).flatMap((release) =>
    repositories.map((repository, index) => ({
      location: locate(release, repository),
      release,
      repository,
      // The first repository (main) must exist for every release; later ones may not.
      optional: index > 0,
    })),
  );
}

/**
 * The releases a secdb server publishes, from its directory index (`<a href="v3.19/">`), the
 * way OSV.dev's converter finds them. An index listing none is an error rather than an empty
 * snapshot, which would delete every Alpine advisory.
 */
async function discoverRemoteReleases(input: SyncInput, base: string): Promise<string[]> {
  const index = `${base.replace(/\/+$/, "")}/`;
  const html = await readLocationText({ location: index, fetch: input.fetch, signal: input.signal });
  const releases = new Set<string>();
  for (const match of html.matchAll(/href="(?:\.\/)?(v\d+\.\d+)\/?"/g)) releases.add(match[1]!);
  if (releases.size === 0) {
    throw new SourceReadError(
      base,
      `the index at ${index} lists no Alpine releases; configure the releases to read (e.g. v3.19, v3.20)`,
    );
  }
  return [...releases];
}

function isMissingFile(error: SourceReadError): boolean {
  return (error.cause as { code?: unknown } | undefined)?.code === "ENOENT";
}
