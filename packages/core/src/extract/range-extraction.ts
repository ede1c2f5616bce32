import type { LayerWalk } from "../layer/walk-layer.js";
import type { LayerPackage } from "../model/layer-inventory.js";
import type { OsFact } from "../model/os-info.js";
import type { ExtractorIssue, FileInfo, RangeReadExtractor } from "./extractor.js";
import {
  type ByteRange,
  collectRanges,
  type ForwardSource,
  type PrefetchedRange,
  runForwardRangeSession,
} from "./forward-range-session.js";

/** Passes over one layer at most: the first walk and two more for readers that read behind. */
export const MAX_LAYER_PASSES = 3;
/** Bytes of one file kept between passes for a reader that read behind. */
export const MAX_PREFETCH_BYTES = 64 * 1024 * 1024;

/** An extractor's issue with the extractor named, for the host to locate. */
export interface RangeIssue {
  readonly extractor: string;
  readonly issue: ExtractorIssue;
}

/** What the range extractors found in one file on one pass. */
export interface RangeFileResult {
  readonly packages: LayerPackage[];
  readonly osFacts: OsFact[];
  readonly issues: RangeIssue[];
  /** Extractors that read behind the window, with every range they asked for. */
  readonly needsPass: { readonly extractor: RangeReadExtractor; readonly ranges: readonly ByteRange[] }[];
}

/** Runs range extractors over one file in one shared forward pass. */
export async function extractRanges(
  source: ForwardSource,
  info: FileInfo,
  path: string,
  extractors: readonly RangeReadExtractor[],
  options: { readonly prefetched?: readonly PrefetchedRange[]; readonly signal?: AbortSignal } = {},
): Promise<RangeFileResult> {
  const [result] = await extractRangesForPaths(source, [{ path, info, extractors }], options);
  return result!;
}

/**
 * Runs range extractors for several paths that share one content (a file and its hard
 * links) in one forward pass; one result per path, in order.
 */
export async function extractRangesForPaths(
  source: ForwardSource,
  paths: readonly {
    readonly path: string;
    readonly info: FileInfo;
    readonly extractors: readonly RangeReadExtractor[];
  }[],
  options: { readonly prefetched?: readonly PrefetchedRange[]; readonly signal?: AbortSignal } = {},
): Promise<RangeFileResult[]> {
  const { signal } = options;
  const jobs = paths.flatMap((file, index) =>
    file.extractors.map((extractor) => ({ index, file, extractor })),
  );
  const outcomes = await runForwardRangeSession(
    source,
    jobs.map(
      ({ file, extractor }) =>
        (reader) =>
          extractor.extract({ path: file.path, info: file.info, reader, ...(signal ? { signal } : {}) }),
    ),
    options.prefetched ? { prefetched: options.prefetched } : {},
  );
  const results: RangeFileResult[] = paths.map(() => ({
    packages: [],
    osFacts: [],
    issues: [],
    needsPass: [],
  }));
  outcomes.forEach((outcome, i) => {
    const { index, extractor } = jobs[i]!;
    const result = results[index]!;
    if (outcome.status === "needs-pass") result.needsPass.push({ extractor, ranges: outcome.ranges });
    else if (outcome.status === "failed") {
      const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      result.issues.push({
        extractor: extractor.name,
        issue: {
          severity: "error",
          code: "extractor-failed",
          message: `${extractor.name} failed on this file: ${message}`,
        },
      });
    } else {
      for (const pkg of outcome.value.packages) result.packages.push({ ...pkg, foundBy: extractor.name });
      if (outcome.value.osFacts) result.osFacts.push(...outcome.value.osFacts);
      for (const found of outcome.value.issues)
        result.issues.push({ extractor: extractor.name, issue: found });
    }
  });
  return results;
}

/** A file whose range extractors must run (again) on a later pass. */
export interface PendingRangeFile {
  /** Index of the file's record in the layer inventory. */
  readonly slot: number;
  /** The path the file is known by (a hard link's own path). */
  readonly path: string;
  /** The path whose content is read (the hard link's target, or the path itself). */
  readonly readPath: string;
  readonly info: FileInfo;
  readonly extractors: readonly RangeReadExtractor[];
  readonly ranges: readonly ByteRange[];
}

/** What the later passes found, per slot, and what they could not finish. */
export interface RangePassesResult {
  readonly found: { readonly slot: number; readonly result: RangeFileResult }[];
  readonly unfinished: { readonly file: PendingRangeFile; readonly reason: string }[];
}

/**
 * Walks the layer again (at most {@link MAX_LAYER_PASSES} in all) for files whose range
 * extractors read behind the forward window or that are hard links to files read before:
 * each pass collects the ranges asked for on the previous one, then runs the extractors
 * with those at hand and the rest of the file still ahead.
 */
export async function runRangePasses(
  pending: readonly PendingRangeFile[],
  reopen: (() => Promise<LayerWalk>) | undefined,
  signal?: AbortSignal,
): Promise<RangePassesResult> {
  const found: RangePassesResult["found"] = [];
  const unfinished: RangePassesResult["unfinished"] = [];
  let todo = [...pending];
  for (let pass = 2; todo.length > 0; pass++) {
    if (!reopen || pass > MAX_LAYER_PASSES) {
      const reason = reopen
        ? `needed bytes behind the forward read window after ${MAX_LAYER_PASSES} passes over the layer`
        : "needed bytes behind the forward read window, and the layer cannot be read again";
      for (const file of todo) unfinished.push({ file, reason });
      break;
    }
    const byPath = new Map<string, PendingRangeFile[]>();
    for (const file of todo) byPath.set(file.readPath, [...(byPath.get(file.readPath) ?? []), file]);
    const next: PendingRangeFile[] = [];
    for await (const entry of await reopen()) {
      const files = byPath.get(entry.path);
      if (!files || entry.type !== "file") continue;
      byPath.delete(entry.path);
      const prefetched = await collectRanges(
        entry,
        files.flatMap((f) => f.ranges),
        MAX_PREFETCH_BYTES,
      );
      if ("overLimit" in prefetched) {
        const reason = `asked for ${prefetched.overLimit} bytes behind the read window, over the limit of ${MAX_PREFETCH_BYTES}`;
        for (const file of files) unfinished.push({ file, reason });
        continue;
      }
      // Several pending files may read the same content (a file and its hard links): one pass serves them all.
      const results = await extractRangesForPaths(entry, files, {
        prefetched,
        ...(signal ? { signal } : {}),
      });
      results.forEach((result, i) => {
        const file = files[i]!;
        found.push({ slot: file.slot, result });
        for (const again of result.needsPass) {
          next.push({ ...file, extractors: [again.extractor], ranges: again.ranges });
        }
      });
    }
    for (const files of byPath.values()) {
      for (const file of files)
        unfinished.push({ file, reason: `${file.readPath} was not found on a second pass` });
    }
    todo = next;
  }
  return { found, unfinished };
}
