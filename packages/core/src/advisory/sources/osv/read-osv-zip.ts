import { openZip, ZipError, type ZipLimits, zipSourceFromFile } from "../../../archive/zip/index.js";
import type { SyncItem } from "../../source.js";
import { SourceReadError } from "../shared/read-location.js";
import type { OsvSyncState } from "./osv-sync-state.js";
import { parseOsvDocument } from "./parse-osv-document.js";

/** What {@link readOsvZip} needs. */
export interface ReadOsvZipInput {
  /** The zip on disk. */
  readonly path: string;
  /** How problems and errors name the zip: its URL when downloaded, else its path. */
  readonly label: string;
  readonly state: OsvSyncState;
  readonly maxRecordBytes: number;
  readonly zipLimits?: Partial<ZipLimits>;
  readonly signal?: AbortSignal;
}

/**
 * The records of one bulk export (`all.zip`, one `<id>.json` per record), in the order they
 * are stored. A member over `maxRecordBytes` is a problem; members not named `*.json` are
 * not records and are passed over. A zip that is damaged, truncated, or breaks a zip limit
 * throws a {@link SourceReadError} naming it (and the member), so the store writes nothing.
 */
export async function* readOsvZip(input: ReadOsvZipInput): AsyncGenerator<SyncItem> {
  const { label, state } = input;
  let source: Awaited<ReturnType<typeof zipSourceFromFile>>;
  try {
    source = await zipSourceFromFile(input.path);
  } catch (error) {
    throw new SourceReadError(label, `could not read ${label}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    state.beginArchive(label);
    const archive = await openZip(source, input.zipLimits ? { limits: input.zipLimits } : {});
    const records = archive.entries.filter((e) => !e.isDirectory && e.name.endsWith(".json"));
    for (const entry of records) {
      if (entry.uncompressedSize > input.maxRecordBytes) {
        yield {
          kind: "problem",
          problem: {
            location: `${label}!${entry.name}`,
            reason: `${entry.uncompressedSize} bytes, more than the ${input.maxRecordBytes} a record may have; not read`,
          },
        };
      }
    }
    const wanted = new Set(records.filter((e) => e.uncompressedSize <= input.maxRecordBytes));
    let count = 0;
    for await (const { entry, data } of archive.readEntries({
      filter: (e) => wanted.has(e),
      ...(input.signal ? { signal: input.signal } : {}),
    })) {
      const location = `${label}!${entry.name}`;
      const item = state.item(parseOsvDocument(data, location), location);
      if (item) yield item;
      if (++count % 1024 === 0) input.signal?.throwIfAborted();
    }
  } catch (error) {
    if (error instanceof ZipError) {
      throw new SourceReadError(
        label,
        `could not read ${label}: ${error.message} (the archive is damaged, cut short or over a limit; nothing was imported)`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    await source.close();
  }
}
