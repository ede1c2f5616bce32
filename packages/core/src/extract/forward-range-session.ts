import { type FileReader, OutsideReadWindowError, ReadTooLargeError } from "./file-reader.js";

/** The file content as the layer walk offers it: forward only. */
export interface ForwardSource {
  readonly path: string;
  readonly size: number;
  readonly consumed: number;
  readNext(length: number): Promise<Buffer>;
  skipNext(length: number): Promise<void>;
}

/** A range of a file, `[offset, end)`. */
export interface ByteRange {
  readonly offset: number;
  readonly end: number;
}

/** Bytes of a file kept from an earlier pass over the layer. */
export interface PrefetchedRange extends ByteRange {
  readonly data: Buffer;
}

/** Limits of {@link runForwardRangeSession}. */
export interface ForwardRangeLimits {
  /** Bytes kept behind the read position, so a read a little behind still works. */
  readonly windowBytes: number;
  /** Largest single read. */
  readonly maxReadBytes: number;
}

/** Defaults: a 64 KiB window (section-name tables sit just before the section headers). */
export const DEFAULT_FORWARD_RANGE_LIMITS: ForwardRangeLimits = Object.freeze({
  windowBytes: 64 * 1024,
  maxReadBytes: 16 * 1024 * 1024,
});

/** How one reader of a session ended. */
export type RangeRunOutcome<T> =
  | { readonly status: "done"; readonly value: T }
  | { readonly status: "failed"; readonly error: unknown }
  /** It read behind the window: run it again with `ranges` collected on a new pass. */
  | { readonly status: "needs-pass"; readonly ranges: readonly ByteRange[] };

interface PendingRead extends ByteRange {
  readonly resolve: (data: Buffer) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs several range readers over one file that the layer walk streams forward, sharing a
 * single pass: the file advances only when every reader still running is waiting for
 * bytes, and then only as far as the nearest request, so readers that each read in
 * increasing order never miss a range. Bytes skipped on the way are not kept, but for the
 * last `windowBytes` before each request.
 */
export async function runForwardRangeSession<T>(
  source: ForwardSource,
  runners: readonly ((reader: FileReader) => Promise<T>)[],
  options: { readonly limits?: ForwardRangeLimits; readonly prefetched?: readonly PrefetchedRange[] } = {},
): Promise<RangeRunOutcome<T>[]> {
  const limits = options.limits ?? DEFAULT_FORWARD_RANGE_LIMITS;
  const prefetched = options.prefetched ?? [];
  const size = source.size;
  let window: Buffer = Buffer.alloc(0);
  let windowStart = source.consumed;
  const pending: PendingRead[] = [];
  let running = runners.length;
  let blocked = 0;
  let pumping = false;

  const fromKept = (offset: number, end: number): Buffer | undefined => {
    for (const range of prefetched) {
      if (range.offset <= offset && end <= range.end) {
        return range.data.subarray(offset - range.offset, end - range.offset);
      }
    }
    if (offset >= windowStart && end <= windowStart + window.length) {
      return Buffer.from(window.subarray(offset - windowStart, end - windowStart));
    }
    return undefined;
  };

  const keep = (data: Buffer) => {
    window = window.length === 0 ? data : Buffer.concat([window, data]);
    // Never drop bytes a pending read (longer than the window) still starts in.
    const firstPending = pending.reduce((min, r) => Math.min(min, r.offset), Number.POSITIVE_INFINITY);
    const excess = Math.min(window.length - limits.windowBytes, firstPending - windowStart);
    if (excess > 0) {
      window = Buffer.from(window.subarray(excess));
      windowStart += excess;
    }
  };

  const pump = async () => {
    pumping = true;
    try {
      while (pending.length > 0 && blocked === running) {
        pending.sort((a, b) => a.offset - b.offset);
        const next = pending[0]!;
        const here = source.consumed;
        const keepFrom = Math.max(here, next.offset - limits.windowBytes);
        if (keepFrom > here) {
          await source.skipNext(keepFrom - here);
          window = Buffer.alloc(0);
          windowStart = keepFrom;
        }
        // The bytes of this request and of every pending request it overlaps.
        let end = next.end;
        for (const read of pending) if (read.offset <= end) end = Math.max(end, read.end);
        const data = await source.readNext(end - source.consumed);
        // Serve before trimming, so a request longer than the window still gets its bytes.
        const dataStart = source.consumed - data.length;
        const served = pending.filter((r) => r.end <= source.consumed);
        for (const read of served) {
          pending.splice(pending.indexOf(read), 1);
          blocked--;
          const kept = fromKept(read.offset, read.end);
          if (kept) read.resolve(kept);
          else if (read.offset >= dataStart) {
            read.resolve(Buffer.from(data.subarray(read.offset - dataStart, read.end - dataStart)));
          } else {
            // Starts in the window, ends in the new data.
            const head = window.subarray(read.offset - windowStart);
            read.resolve(Buffer.concat([head, data.subarray(0, read.end - dataStart)]));
          }
        }
        keep(data);
      }
    } catch (error) {
      for (const read of pending.splice(0)) {
        blocked--;
        read.reject(error);
      }
    } finally {
      pumping = false;
    }
  };

  const schedule = () => {
    if (!pumping && pending.length > 0 && blocked === running) void pump().then(schedule);
  };

  const run = async (runner: (reader: FileReader) => Promise<T>): Promise<RangeRunOutcome<T>> => {
    const asked: ByteRange[] = [];
    let behind: OutsideReadWindowError | undefined;
    const reader: FileReader = {
      size,
      readAt: (offset, length) => {
        if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
          return Promise.reject(new RangeError(`${source.path}: invalid read ${offset}+${length}`));
        }
        if (length > limits.maxReadBytes) {
          return Promise.reject(new ReadTooLargeError(source.path, length, limits.maxReadBytes));
        }
        const end = Math.min(offset + length, size);
        if (end <= offset) return Promise.resolve(Buffer.alloc(0));
        asked.push({ offset, end });
        const kept = fromKept(offset, end);
        if (kept) return Promise.resolve(kept);
        if (offset < windowStart && offset < source.consumed) {
          behind = new OutsideReadWindowError(source.path, offset, length);
          return Promise.reject(behind);
        }
        return new Promise<Buffer>((resolve, reject) => {
          pending.push({ offset, end, resolve, reject });
          blocked++;
          schedule();
        });
      },
    };
    try {
      const value = await runner(reader);
      // An extractor that caught the window error and went on still missed bytes.
      if (behind) return { status: "needs-pass", ranges: asked };
      return { status: "done", value };
    } catch (error) {
      if (behind || error instanceof OutsideReadWindowError) return { status: "needs-pass", ranges: asked };
      return { status: "failed", error };
    } finally {
      running--;
      schedule();
    }
  };

  return Promise.all(runners.map(run));
}

/**
 * Reads `ranges` of a file on a later pass over the layer (merged, in order), so a reader
 * that needed bytes behind the window can run again with them at hand.
 */
export async function collectRanges(
  source: ForwardSource,
  ranges: readonly ByteRange[],
  maxTotalBytes: number,
): Promise<PrefetchedRange[] | { readonly overLimit: number }> {
  const merged: { offset: number; end: number }[] = [];
  for (const range of [...ranges].sort((a, b) => a.offset - b.offset)) {
    const last = merged.at(-1);
    if (last && range.offset <= last.end) last.end = Math.max(last.end, range.end);
    else merged.push({ offset: range.offset, end: range.end });
  }
  const total = merged.reduce((sum, r) => sum + (r.end - r.offset), 0);
  if (total > maxTotalBytes) return { overLimit: total };
  const out: PrefetchedRange[] = [];
  for (const range of merged) {
    if (range.offset < source.consumed) continue;
    await source.skipNext(range.offset - source.consumed);
    const data = await source.readNext(range.end - range.offset);
    out.push({ offset: range.offset, end: range.offset + data.length, data });
  }
  return out;
}
