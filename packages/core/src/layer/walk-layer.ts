import { createHash } from "node:crypto";
import { posix } from "node:path";
import { ByteReader } from "./byte-reader.js";
import { decompressLayer } from "./decompress.js";
import { linkEscapesRoot, toImagePath } from "./image-path.js";
import { FileTooLargeError, type LayerEntryType, type LayerWalkEntry } from "./layer-entry.js";
import { LayerError } from "./layer-errors.js";
import { DEFAULT_LAYER_LIMITS, type LayerLimits } from "./layer-limits.js";
import { decodeTarHeader, isZeroBlock, parsePaxRecords, TAR_BLOCK } from "./tar-header.js";

/** Options of {@link walkLayer}. */
export interface WalkLayerOptions {
  readonly limits?: Partial<LayerLimits>;
  /** Expected uncompressed digest (`rootfs.diff_ids[i]`); checked after the last byte. */
  readonly expectedDiffId?: string;
  readonly signal?: AbortSignal;
}

/** A problem with one entry that did not stop the walk. */
export interface LayerWalkIssue {
  readonly severity: "error" | "warning" | "info";
  readonly code: string;
  readonly message: string;
  /** The path as written in the tar. */
  readonly path?: string;
}

/** Counters of a finished walk. */
export interface LayerWalkStats {
  entries: number;
  uncompressedBytes: number;
  filesRead: number;
  bytesRead: number;
  diffId?: string;
}

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE_MARKER = ".wh..wh..opq";

/**
 * Streams a layer blob (gzip, zstd or plain tar) entry by entry without holding the layer
 * in memory. Iterating it yields entries; an entry's content can be read (within the size
 * limit) before the walk moves on, otherwise it is skipped. Paths that climb out of the
 * image root are reported and skipped; nothing touches the host filesystem.
 *
 * The iteration throws a {@link LayerError} if the layer is truncated, corrupt, over a
 * limit, or its uncompressed digest differs from `expectedDiffId`; source errors (blob
 * digest mismatch, lost connection) are rethrown as they are. Only a walk that ended
 * without an error read the whole layer.
 */
export class LayerWalk implements AsyncIterable<LayerWalkEntry> {
  readonly issues: LayerWalkIssue[] = [];
  readonly stats: LayerWalkStats = { entries: 0, uncompressedBytes: 0, filesRead: 0, bytesRead: 0 };
  private readonly limits: LayerLimits;
  private started = false;

  constructor(
    private readonly blob: AsyncIterable<Buffer>,
    private readonly options: WalkLayerOptions = {},
  ) {
    this.limits = { ...DEFAULT_LAYER_LIMITS, ...options.limits };
  }

  [Symbol.asyncIterator](): AsyncIterator<LayerWalkEntry> {
    if (this.started) throw new Error("a layer can be walked only once");
    this.started = true;
    return this.walk();
  }

  private async *walk(): AsyncGenerator<LayerWalkEntry> {
    const hash = createHash("sha256");
    const reader = new ByteReader(this.countedTar(hash)[Symbol.asyncIterator]());
    const { limits, stats } = this;
    let pax: Map<string, string> | undefined;
    let globalPax: Map<string, string> | undefined;
    let longName: string | undefined;
    let longLink: string | undefined;

    for (;;) {
      this.checkAborted();
      const offset = reader.position;
      const block = await reader.read(TAR_BLOCK);
      if (block.length === 0) {
        // EOF on a block boundary without the two zero blocks: Go's archive/tar and
        // containerd accept it, so do we, but say so.
        this.issues.push({
          severity: "info",
          code: "tar-no-end-marker",
          message: "layer tar has no end-of-archive marker",
        });
        break;
      }
      if (block.length < TAR_BLOCK) throw truncated(offset);
      if (isZeroBlock(block)) break;
      const header = decodeTarHeader(block);
      if ("problem" in header) {
        throw new LayerError("corrupt-tar", `corrupt tar header at byte ${offset}: ${header.problem}`);
      }
      stats.entries++;
      if (stats.entries > limits.maxEntries) {
        throw new LayerError(
          "too-many-entries",
          `layer has more than ${limits.maxEntries} entries (limit maxEntries)`,
        );
      }
      const flag = header.typeFlag;
      if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
        if (header.size > limits.maxMetaHeaderSize) {
          throw new LayerError(
            "corrupt-tar",
            `tar ${flag} header at byte ${offset} is ${header.size} bytes, over the limit`,
          );
        }
        const data = await reader.read(padded(header.size));
        if (data.length < padded(header.size)) throw truncated(offset);
        const body = data.subarray(0, header.size);
        if (flag === "L" || flag === "K") {
          const nul = body.indexOf(0);
          const text = body.toString("utf8", 0, nul < 0 ? body.length : nul);
          if (flag === "L") longName = text;
          else longLink = text;
          continue;
        }
        const records = parsePaxRecords(body);
        if ("problem" in records) {
          throw new LayerError("corrupt-tar", `bad PAX header at byte ${offset}: ${records.problem}`);
        }
        if (flag === "g") globalPax = new Map([...(globalPax ?? []), ...records]);
        else pax = records;
        continue;
      }

      const attrs = pax ?? globalPax;
      const name = pax?.get("path") ?? longName ?? globalPax?.get("path") ?? header.name;
      const linkName = pax?.get("linkpath") ?? longLink ?? header.linkName;
      const paxSize = attrs?.get("size");
      const size = paxSize !== undefined ? Number(paxSize) : header.size;
      pax = undefined;
      longName = undefined;
      longLink = undefined;
      if (!Number.isSafeInteger(size) || size < 0) {
        throw new LayerError(
          "corrupt-tar",
          `tar entry ${JSON.stringify(name)} has an invalid size ${paxSize}`,
        );
      }
      const type = entryType(flag);
      // Only regular files carry content in the archive; links and directories carry none.
      const contentSize = type === "file" || type === "other" ? size : 0;

      const path = toImagePath(name);
      if (path === undefined) {
        this.issues.push({
          severity: "warning",
          code: "path-traversal",
          message: `tar entry ${JSON.stringify(name)} climbs out of the image root; skipped`,
          path: name,
        });
        await this.skip(reader, padded(contentSize), offset);
        continue;
      }

      let linkTarget: string | undefined;
      if (type === "hardlink") {
        linkTarget = toImagePath(linkName);
        if (linkTarget === undefined) {
          this.issues.push({
            severity: "warning",
            code: "hardlink-traversal",
            message: `hard link ${path} points out of the image root (${JSON.stringify(linkName)}); skipped`,
            path: name,
          });
          await this.skip(reader, padded(contentSize), offset);
          continue;
        }
      } else if (type === "symlink") {
        linkTarget = linkName;
        if (linkEscapesRoot(path, linkName)) {
          this.issues.push({
            severity: "info",
            code: "symlink-escapes-root",
            message: `symlink ${path} -> ${linkName} climbs above the root; it is resolved inside the image root`,
            path: name,
          });
        }
      }

      const base = posix.basename(path);
      let whiteout: LayerWalkEntry["whiteout"];
      if (base === OPAQUE_MARKER) whiteout = { kind: "opaque", target: posix.dirname(path) };
      else if (base.startsWith(WHITEOUT_PREFIX) && !base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) {
        whiteout = {
          kind: "file",
          target: posix.join(posix.dirname(path), base.slice(WHITEOUT_PREFIX.length)),
        };
      }

      let consumed = 0;
      let open = true;
      const maxFileSize = limits.maxFileSize;
      const entry: LayerWalkEntry = {
        path,
        type,
        size: contentSize,
        mode: attrs?.has("mode") ? Number.parseInt(attrs.get("mode")!, 8) : header.mode,
        ...(linkTarget !== undefined ? { linkTarget } : {}),
        ...(whiteout ? { whiteout } : {}),
        read: async () => {
          if (!open) throw new Error(`content of ${path} was requested after the walk moved on`);
          if (consumed > 0) throw new Error(`content of ${path} was already read`);
          if (contentSize > maxFileSize) throw new FileTooLargeError(path, contentSize, maxFileSize);
          const data = await reader.read(contentSize);
          consumed = contentSize;
          if (data.length < contentSize) throw truncated(offset);
          stats.filesRead++;
          stats.bytesRead += contentSize;
          // Copy small files out of the large decompression chunk so it can be freed.
          return data.length * 4 < data.buffer.byteLength ? Buffer.from(data) : data;
        },
        readNext: async (length: number) => {
          if (!open) throw new Error(`content of ${path} was requested after the walk moved on`);
          const n = Math.min(Math.max(0, length), contentSize - consumed);
          if (n === 0) return Buffer.alloc(0);
          const data = await reader.read(n);
          consumed += data.length;
          if (data.length < n) throw truncated(offset);
          stats.bytesRead += n;
          return Buffer.from(data);
        },
        skipNext: async (length: number) => {
          if (!open) throw new Error(`content of ${path} was requested after the walk moved on`);
          const n = Math.min(Math.max(0, length), contentSize - consumed);
          if (n === 0) return;
          const skipped = await reader.skip(n);
          consumed += skipped;
          if (skipped < n) throw truncated(offset);
        },
        get consumed() {
          return consumed;
        },
      };
      yield entry;
      open = false;
      await this.skip(reader, padded(contentSize) - consumed, offset);
    }
    await reader.drain();
    const diffId = `sha256:${hash.digest("hex")}`;
    stats.diffId = diffId;
    const expected = this.options.expectedDiffId;
    if (expected?.startsWith("sha256:") && expected !== diffId) {
      throw new LayerError(
        "diff-id-mismatch",
        `uncompressed layer digest is ${diffId}, the image config says ${expected}`,
      );
    }
  }

  /** Decompressed bytes, counted against the limit and hashed for the diff id. */
  private async *countedTar(hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
    const limit = this.limits.maxUncompressedBytes;
    for await (const chunk of decompressLayer(this.blob)) {
      this.stats.uncompressedBytes += chunk.length;
      if (this.stats.uncompressedBytes > limit) {
        throw new LayerError(
          "too-large",
          `layer expands to more than ${limit} bytes (limit maxUncompressedBytes)`,
        );
      }
      hash.update(chunk);
      yield chunk;
    }
  }

  private async skip(reader: ByteReader, n: number, offset: number): Promise<void> {
    if (n > 0 && (await reader.skip(n)) < n) throw truncated(offset);
  }

  private checkAborted(): void {
    const signal = this.options.signal;
    if (signal?.aborted)
      throw new LayerError("aborted", "layer walk was cancelled", { cause: signal.reason });
  }
}

/** Convenience: `walkLayer(blob)` is `new LayerWalk(blob)`. */
export function walkLayer(blob: AsyncIterable<Buffer>, options?: WalkLayerOptions): LayerWalk {
  return new LayerWalk(blob, options);
}

function padded(size: number): number {
  return Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
}

function truncated(offset: number): LayerError {
  return new LayerError(
    "truncated",
    `layer tar ends early inside the entry at byte ${offset}: the layer is truncated`,
  );
}

function entryType(flag: string): LayerEntryType {
  switch (flag) {
    case "0":
    case "7":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "5":
      return "directory";
    default:
      return "other";
  }
}
