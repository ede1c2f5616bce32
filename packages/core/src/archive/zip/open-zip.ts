import { type EntryLayout, parseCentralDirectory } from "./central-directory.js";
import { locateCentralDirectory } from "./end-of-central-directory.js";
import { tryDecodeUtf8 } from "./entry-name.js";
import { readRange, WindowedReader } from "./range-read.js";
import { checkReadable, type RangeReader, type ReadEntryContext, readEntryData } from "./read-entry.js";
import type { ZipEntry } from "./zip-entry.js";
import { DEFAULT_ZIP_LIMITS, type ZipLimits } from "./zip-limits.js";
import type { ZipSource } from "./zip-source.js";

/** Options of {@link openZip}. */
export interface OpenZipOptions {
  readonly limits?: Partial<ZipLimits>;
}

/** Options of {@link ZipArchive.readEntry}. */
export interface ReadEntryOptions {
  /** Largest uncompressed size accepted for this entry; defaults to `limits.maxEntryBytes`. */
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
}

/** Options of {@link ZipArchive.readEntries}. */
export interface ReadEntriesOptions extends ReadEntryOptions {
  /** Which entries to read; by default every entry that is not a directory. */
  readonly filter?: (entry: ZipEntry) => boolean;
}

/** One entry and its content, as {@link ZipArchive.readEntries} yields them. */
export interface ZipEntryData {
  readonly entry: ZipEntry;
  readonly data: Buffer;
}

/** An opened archive: its central directory, and reads of its entries. */
export interface ZipArchive {
  /** Entries in central directory order. */
  readonly entries: readonly ZipEntry[];
  /** The archive comment (UTF-8 if valid, else Latin-1). */
  readonly comment: string;
  /** True when the archive uses ZIP64 end records. */
  readonly zip64: boolean;
  /** Bytes before the archive proper (self-extractor stub, executable-jar launch script). */
  readonly prefixBytes: number;
  /**
   * Uncompressed bytes of the entries read (or being read) so far, counted when a read
   * starts: what `limits.maxTotalBytes` bounds.
   */
  readonly bytesRead: number;
  /**
   * Reads one entry's content, verified: throws {@link ZipFormatError} when the entry is
   * malformed, encrypted or compressed with a method other than stored or deflate, and
   * {@link ZipLimitError} when it is over a limit; nothing is inflated past the declared size.
   */
  readEntry(entry: ZipEntry, options?: ReadEntryOptions): Promise<Buffer>;
  /**
   * Reads entries one after another in the order they are stored in the file (not the
   * central directory's), reading the file in large windows: the fast way through an
   * archive of many small members. Stops at the first error.
   */
  readEntries(options?: ReadEntriesOptions): AsyncGenerator<ZipEntryData>;
}

/** Bytes fetched per read while iterating: many small members per file read. */
const WINDOW_BYTES = 1024 * 1024;

/**
 * Opens a zip archive: finds and checks its end records, reads the whole central directory
 * (one read) and checks every entry's position. Throws {@link ZipFormatError} or
 * {@link ZipLimitError} for a malformed or oversized archive; I/O errors of the source
 * are passed on as they are. The source stays owned by the caller.
 */
export async function openZip(source: ZipSource, options: OpenZipOptions = {}): Promise<ZipArchive> {
  const limits: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...options.limits };
  const where = await locateCentralDirectory(source, limits);
  const cd = await readRange(source, where.offset, where.size, "central directory");
  const { entries, layouts } = parseCentralDirectory(cd, where);
  return new OpenedZip(source, limits, entries, layouts, where.comment, where.zip64, where.prefixBytes);
}

class OpenedZip implements ZipArchive {
  bytesRead = 0;
  readonly comment: string;

  constructor(
    private readonly source: ZipSource,
    private readonly limits: ZipLimits,
    readonly entries: readonly ZipEntry[],
    private readonly layouts: readonly EntryLayout[],
    comment: Buffer,
    readonly zip64: boolean,
    readonly prefixBytes: number,
  ) {
    this.comment = tryDecodeUtf8(comment) ?? comment.toString("latin1");
  }

  readEntry(entry: ZipEntry, options: ReadEntryOptions = {}): Promise<Buffer> {
    const direct: RangeReader = (offset, length, what, name) =>
      readRange(this.source, offset, length, what, name);
    return this.read(entry, options, direct);
  }

  async *readEntries(options: ReadEntriesOptions = {}): AsyncGenerator<ZipEntryData> {
    const filter = options.filter ?? ((entry: ZipEntry) => !entry.isDirectory);
    const chosen = this.entries.filter(filter).sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
    const window = new WindowedReader(this.source, WINDOW_BYTES);
    const windowed: RangeReader = (offset, length, what, name) => window.read(offset, length, what, name);
    for (const entry of chosen) {
      options.signal?.throwIfAborted();
      yield { entry, data: await this.read(entry, options, windowed) };
    }
  }

  private async read(entry: ZipEntry, options: ReadEntryOptions, reader: RangeReader): Promise<Buffer> {
    const layout = this.layouts[entry.index];
    if (layout === undefined || this.entries[entry.index] !== entry) {
      throw new TypeError("readEntry: the entry does not belong to this archive");
    }
    const context: ReadEntryContext = {
      layout,
      limits: this.limits,
      maxBytes: options.maxBytes ?? this.limits.maxEntryBytes,
      totalSoFar: this.bytesRead,
      read: reader,
      ...(options.signal ? { signal: options.signal } : {}),
    };
    checkReadable(entry, context);
    // Counted before reading, so concurrent reads cannot together pass the total limit.
    this.bytesRead += entry.uncompressedSize;
    return readEntryData(entry, context);
  }
}
