import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ZipLimits } from "../../../archive/zip/index.js";
import { ecosystemKey } from "../../ecosystem-key.js";
import type { AdvisorySource, SyncInput, SyncItem, SyncResult } from "../../source.js";
import { isRemoteLocation, joinLocation, localPath, SourceReadError } from "../shared/read-location.js";
import { downloadToFile } from "./download-to-file.js";
import { OSV_DEFAULT_ECOSYSTEMS } from "./osv-ecosystems.js";
import { OsvSyncState } from "./osv-sync-state.js";
import { parseOsvDocument } from "./parse-osv-document.js";
import { readOsvDirectory } from "./read-osv-directory.js";
import { readOsvZip } from "./read-osv-zip.js";

/** OSV's public bucket: `<base>/<Ecosystem>/all.zip` per ecosystem. */
export const OSV_DEFAULT_LOCATION = "https://osv-vulnerabilities.storage.googleapis.com";

/** Options of {@link createOsvSource}. */
export interface OsvSourceOptions {
  /** Ecosystem exports to read (folder names of the export). Default {@link OSV_DEFAULT_ECOSYSTEMS}. */
  readonly ecosystems?: readonly string[];
  /** Location used when a sync names none. Default {@link OSV_DEFAULT_LOCATION}. */
  readonly defaultLocation?: string;
  /** Where downloads are kept while they are read. Default the system's temporary directory. */
  readonly tempDir?: string;
  /** Largest download accepted (default 4 GiB; the largest per-ecosystem export is a few hundred MB). */
  readonly maxDownloadBytes?: number;
  /** Largest single record (default 32 MiB; real records are at most a few MB). */
  readonly maxRecordBytes?: number;
  /** Limits of the zip reader, over its defaults. */
  readonly zipLimits?: Partial<ZipLimits>;
}

/** One thing to read for a location. */
type Part =
  | { readonly kind: "download"; readonly url: string }
  | { readonly kind: "zip"; readonly path: string }
  | { readonly kind: "directory"; readonly path: string }
  | { readonly kind: "json"; readonly path: string };

/**
 * OSV bulk exports (snapshot mode: each sync yields everything the location holds, which
 * replaces what the source stored before). The location is:
 * - an `http(s)` base URL (default {@link OSV_DEFAULT_LOCATION}): `<base>/<Ecosystem>/all.zip`
 *   for each configured ecosystem, each downloaded to a temporary file, read, and removed;
 * - an `http(s)` URL ending in `.zip`: that one export;
 * - a local `all.zip` (any zip file) or a single `.json` record;
 * - a local directory holding `<Ecosystem>/all.zip` for some of the configured ecosystems
 *   (as the shared test data does), else `all.zip`, else `*.json` files at any depth.
 *
 * Every valid record is an `advisory` item (upstream link on osv.dev); a malformed one is a
 * `problem` naming `<zip>!<member>` (or the file) and why; an id seen before is yielded once.
 * A missing location, failed download, or damaged zip throws a `SourceReadError` naming it.
 * The cursor is the latest `modified` seen: informational, since snapshots are complete.
 */
export function createOsvSource(options: OsvSourceOptions = {}): AdvisorySource {
  const defaultLocation = options.defaultLocation ?? OSV_DEFAULT_LOCATION;
  const ecosystems = options.ecosystems ?? OSV_DEFAULT_ECOSYSTEMS;
  for (const ecosystem of ecosystems) {
    if (ecosystem === "" || /[/\\]/.test(ecosystem) || ecosystem === "." || ecosystem === "..") {
      throw new Error(
        `osv: ${JSON.stringify(ecosystem)} is not an ecosystem folder name (Debian, PyPI, Red Hat)`,
      );
    }
  }
  return {
    name: "osv",
    version: 1,
    ecosystems: [...new Set(ecosystems.map((e) => ecosystemKey(e).base))],
    defaultLocation,
    async sync(input: SyncInput): Promise<SyncResult> {
      const location = input.location ?? defaultLocation;
      const state = new OsvSyncState();
      return {
        mode: "snapshot",
        items: syncItems(input, location, ecosystems, options, state),
        cursor: () => state.cursor(),
      };
    },
  };
}

async function* syncItems(
  input: SyncInput,
  location: string,
  ecosystems: readonly string[],
  options: OsvSourceOptions,
  state: OsvSyncState,
): AsyncGenerator<SyncItem> {
  input.signal?.throwIfAborted();
  const maxRecordBytes = options.maxRecordBytes ?? 32 * 1024 ** 2;
  const parts = await planLocation(location, ecosystems);
  for (const part of parts) {
    input.signal?.throwIfAborted();
    const common = { state, maxRecordBytes, ...(input.signal ? { signal: input.signal } : {}) };
    const zipLimits = options.zipLimits ? { zipLimits: options.zipLimits } : {};
    if (part.kind === "zip")
      yield* readOsvZip({ path: part.path, label: part.path, ...common, ...zipLimits });
    else if (part.kind === "directory") yield* readOsvDirectory({ path: part.path, ...common });
    else if (part.kind === "json") yield* readOneJson(part.path, state);
    else {
      const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), "vigil-osv-"));
      try {
        const path = join(dir, "all.zip");
        await downloadToFile({
          url: part.url,
          path,
          fetch: input.fetch,
          maxBytes: options.maxDownloadBytes ?? 4 * 1024 ** 3,
          ...(input.signal ? { signal: input.signal } : {}),
        });
        yield* readOsvZip({ path, label: part.url, ...common, ...zipLimits });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
}

async function* readOneJson(path: string, state: OsvSyncState): AsyncGenerator<SyncItem> {
  state.beginArchive(path);
  const data = await readFile(path).catch((error: unknown) => {
    throw new SourceReadError(path, `could not read ${path}: ${(error as Error).message}`, { cause: error });
  });
  const item = state.item(parseOsvDocument(data, path), path);
  if (item) yield item;
}

/** What to read for a location (see {@link createOsvSource}). */
async function planLocation(location: string, ecosystems: readonly string[]): Promise<Part[]> {
  if (isRemoteLocation(location)) {
    if (/\.zip(?:[?#].*)?$/i.test(location)) return [{ kind: "download", url: location }];
    return ecosystems.map((ecosystem) => ({
      kind: "download",
      url: joinLocation(location, encodeURIComponent(ecosystem), "all.zip"),
    }));
  }
  const path = localPath(location);
  const info = await stat(path).catch((error: unknown) => {
    throw new SourceReadError(location, `could not read ${location}: ${(error as Error).message}`, {
      cause: error,
    });
  });
  if (info.isFile()) return [{ kind: path.endsWith(".json") ? "json" : "zip", path }];
  if (!info.isDirectory())
    throw new SourceReadError(location, `${location} is neither a file nor a directory`);
  const tree: Part[] = [];
  for (const ecosystem of ecosystems) {
    const zip = join(path, ecosystem, "all.zip");
    if (await isFile(zip)) tree.push({ kind: "zip", path: zip });
  }
  if (tree.length > 0) return tree;
  const single = join(path, "all.zip");
  if (await isFile(single)) return [{ kind: "zip", path: single }];
  return [{ kind: "directory", path }];
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
