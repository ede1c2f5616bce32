import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { SyncItem } from "../../source.js";
import { SourceReadError } from "../shared/read-location.js";
import type { OsvSyncState } from "./osv-sync-state.js";
import { parseOsvDocument } from "./parse-osv-document.js";

/** Directories deeper than this are not entered (OSV repositories nest two or three levels). */
const MAX_DEPTH = 16;

/** What {@link readOsvDirectory} needs. */
export interface ReadOsvDirectoryInput {
  readonly path: string;
  readonly state: OsvSyncState;
  readonly maxRecordBytes: number;
  readonly signal?: AbortSignal;
}

/**
 * The records of a directory of OSV JSON files (one ecosystem's folder, or a repository such
 * as golang/vulndb `data/osv` or rustsec's `crates/<name>/`): every `*.json` below it, in
 * sorted path order, symbolic links not followed. A directory without any is an error.
 */
export async function* readOsvDirectory(input: ReadOsvDirectoryInput): AsyncGenerator<SyncItem> {
  input.state.beginArchive(input.path);
  let files = 0;
  for await (const file of walkJsonFiles(input.path, 0)) {
    input.signal?.throwIfAborted();
    files++;
    let size: number;
    let data: Buffer;
    try {
      size = (await stat(file)).size;
      if (size > input.maxRecordBytes) {
        yield {
          kind: "problem",
          problem: {
            location: file,
            reason: `${size} bytes, more than the ${input.maxRecordBytes} a record may have; not read`,
          },
        };
        continue;
      }
      data = await readFile(file, input.signal ? { signal: input.signal } : {});
    } catch (error) {
      if (input.signal?.aborted) throw input.signal.reason;
      throw new SourceReadError(file, `could not read ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const item = input.state.item(parseOsvDocument(data, file), file);
    if (item) yield item;
  }
  if (files === 0) {
    throw new SourceReadError(input.path, `${input.path} holds no <Ecosystem>/all.zip and no *.json files`);
  }
}

async function* walkJsonFiles(dir: string, depth: number): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new SourceReadError(dir, `could not list ${dir}: ${(error as Error).message}`, { cause: error });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith(".json")) yield path;
    else if (entry.isDirectory() && depth < MAX_DEPTH) yield* walkJsonFiles(path, depth + 1);
  }
}
