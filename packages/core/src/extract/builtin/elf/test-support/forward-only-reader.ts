import type { ExtractorResult, RangeReadExtractor } from "../../../extractor.js";
import { type FileReader, OutsideReadWindowError } from "../../../file-reader.js";

/** One `readAt` call as a reader saw it. */
export interface RecordedRead {
  readonly offset: number;
  readonly length: number;
}

/** Options of {@link createForwardOnlyReader}. */
export interface ForwardOnlyReaderOptions {
  /** Path named in the errors. */
  readonly path?: string;
  /** Bytes behind the furthest byte read that can still be read again (0: none). */
  readonly windowBytes?: number;
  /** Ranges kept from an earlier pass, served whatever the position (the host's second pass). */
  readonly prefetched?: readonly RecordedRead[];
}

/** A {@link FileReader} over a buffer with the record of what was read. */
export interface RecordingReader extends FileReader {
  readonly reads: readonly RecordedRead[];
}

/**
 * A reader that behaves like the host's forward stream: a read that starts before the
 * furthest byte already read (less `windowBytes`) rejects with `OutsideReadWindowError`,
 * unless a prefetched range holds it. With the default window of 0 any backward or
 * overlapping read fails, which proves an extractor's read order.
 */
export function createForwardOnlyReader(
  content: Buffer,
  options: ForwardOnlyReaderOptions = {},
): RecordingReader {
  const path = options.path ?? "/test/binary";
  const windowBytes = options.windowBytes ?? 0;
  const prefetched = options.prefetched ?? [];
  const reads: RecordedRead[] = [];
  let furthest = 0;
  return {
    size: content.length,
    reads,
    async readAt(offset, length) {
      if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
        throw new RangeError(`invalid read ${offset}+${length}`);
      }
      reads.push({ offset, length });
      const end = Math.min(offset + length, content.length);
      const kept = prefetched.some((r) => r.offset <= offset && offset + length <= r.offset + r.length);
      if (!kept) {
        if (offset < furthest - windowBytes) throw new OutsideReadWindowError(path, offset, length);
        furthest = Math.max(furthest, end);
      }
      return content.subarray(Math.min(offset, content.length), end);
    },
  };
}

/** What {@link runWithPasses} saw. */
export interface PassesOutcome {
  readonly result: ExtractorResult;
  /** The reads that went behind the window, one per extra pass, in order. */
  readonly backwardReads: readonly RecordedRead[];
  /** Every read of the last pass. */
  readonly reads: readonly RecordedRead[];
}

/**
 * Run a range-read extractor the way the host does: over a forward-only reader, and when it
 * reads behind the window, again with that range prefetched, until it completes.
 */
export async function runWithPasses(
  extractor: RangeReadExtractor,
  content: Buffer,
  options: { readonly path?: string; readonly windowBytes?: number; readonly maxPasses?: number } = {},
): Promise<PassesOutcome> {
  const path = options.path ?? "/test/binary";
  const backwardReads: RecordedRead[] = [];
  for (let pass = 0; pass < (options.maxPasses ?? 5); pass++) {
    const reader = createForwardOnlyReader(content, {
      path,
      prefetched: backwardReads,
      ...(options.windowBytes !== undefined ? { windowBytes: options.windowBytes } : {}),
    });
    try {
      const result = await extractor.extract({ path, info: { size: content.length, mode: 0o755 }, reader });
      return { result, backwardReads, reads: reader.reads };
    } catch (error) {
      if (!(error instanceof OutsideReadWindowError)) throw error;
      backwardReads.push({ offset: error.offset, length: error.length });
    }
  }
  throw new Error(`${extractor.name} still reads behind the window after ${options.maxPasses ?? 5} passes`);
}
