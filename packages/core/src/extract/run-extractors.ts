import { FileTooLargeError, type LayerWalkEntry } from "../layer/layer-entry.js";
import type { LayerWalk } from "../layer/walk-layer.js";
import type { LocatedIssue } from "../model/issue.js";
import type { LayerFileRecord, LayerInventory, LayerPackage } from "../model/layer-inventory.js";
import type { OsFact } from "../model/os-info.js";
import type {
  Extractor,
  ExtractorIssue,
  ExtractorResult,
  FileInfo,
  RangeReadExtractor,
} from "./extractor.js";
import { createBufferFileReader } from "./file-reader.js";
import { extractRanges, type PendingRangeFile, runRangePasses } from "./range-extraction.js";

/** Options of {@link extractLayer}. */
export interface ExtractLayerOptions {
  readonly walk: LayerWalk;
  /**
   * Walk the same layer again. Used only when a wanted hard link points at a file that no
   * extractor wanted under its own name (so its content was skipped in the first pass).
   */
  readonly reopen?: () => Promise<LayerWalk>;
  readonly extractors: readonly Extractor[];
  readonly layerDigest: string;
  /** The host's per-file limit; an extractor's own `maxFileSize` can only lower it. */
  readonly maxFileSize: number;
  readonly signal?: AbortSignal;
}

/** A wanted hard link whose target's content was not read in the first pass. */
interface PendingHardlink {
  readonly slot: number;
  readonly path: string;
  readonly target: string;
  readonly info: FileInfo;
  readonly wanting: readonly Extractor[];
}

/**
 * The extraction host for one layer: walks its entries once, offers each path to every
 * extractor's cheap `required` test, reads a wanted file once (within the limits) and
 * hands it to each extractor that wants it. Extractors never see the walk and never
 * throw into it: an exception is recorded as an issue of that extractor.
 *
 * Rejects when the walk fails (truncated, corrupt, over a limit): a layer is either read
 * completely or not at all.
 */
export async function extractLayer(options: ExtractLayerOptions): Promise<LayerInventory> {
  const { walk, extractors, layerDigest } = options;
  const files: LayerFileRecord[] = [];
  const issues: LocatedIssue[] = [];
  const whiteouts: string[] = [];
  const opaqueDirs: string[] = [];
  const pending: PendingHardlink[] = [];
  const pendingRanges: PendingRangeFile[] = [];
  // Content of files read in this layer, so a hard link to one of them can be served.
  const readContent = new Map<string, Buffer>();
  const note = (severity: LocatedIssue["severity"], code: string, message: string, path?: string) =>
    issues.push(issue(severity, code, message, "extract", layerDigest, path));

  const extractFile = async (
    path: string,
    content: Buffer,
    info: FileInfo,
    wanting: readonly Extractor[],
  ) => {
    const packages: LayerPackage[] = [];
    const osFacts: OsFact[] = [];
    for (const extractor of wanting) {
      const limit = Math.min(wholeFileLimit(extractor) ?? Number.POSITIVE_INFINITY, options.maxFileSize);
      if (content.length > limit) {
        note(
          "warning",
          "file-too-large",
          `${path} is ${content.length} bytes, over ${extractor.name}'s limit of ${limit}`,
          path,
        );
        continue;
      }
      const result = await runOne(extractor, path, content, info, options.signal);
      for (const pkg of result.packages) packages.push({ ...pkg, foundBy: extractor.name });
      if (result.osFacts) osFacts.push(...result.osFacts);
      for (const found of capIssues(result.issues))
        issues.push(locate(found, extractor.name, layerDigest, path));
    }
    return { path, kind: "file", packages, osFacts } satisfies LayerFileRecord;
  };

  for await (const entry of walk) {
    if (entry.whiteout) {
      (entry.whiteout.kind === "opaque" ? opaqueDirs : whiteouts).push(entry.whiteout.target);
      continue;
    }
    const info = { size: entry.size, mode: entry.mode };
    const wanting = extractors.filter((e) => e.required(entry.path, info));
    if (wanting.length === 0) continue;
    if (entry.type !== "file" && entry.type !== "hardlink") {
      // A wanted path that is a symlink or directory in this layer still hides lower copies.
      files.push({
        path: entry.path,
        kind: entry.type === "symlink" ? "symlink" : entry.type === "directory" ? "directory" : "other",
        ...(entry.linkTarget !== undefined ? { linkTarget: entry.linkTarget } : {}),
        packages: [],
        osFacts: [],
      });
      continue;
    }
    const wholeFile = wanting.some((e) => e.reads !== "ranges");
    if (entry.type === "hardlink") {
      const target = entry.linkTarget!;
      const content = readContent.get(target);
      if (content) files.push(await extractFile(entry.path, content, info, wanting));
      else if (!wholeFile) {
        pendingRanges.push({
          slot: files.length,
          path: entry.path,
          readPath: target,
          info,
          extractors: wanting as RangeReadExtractor[],
          ranges: [],
        });
        files.push({ path: entry.path, kind: "file", packages: [], osFacts: [] });
      } else {
        pending.push({ slot: files.length, path: entry.path, target, info, wanting });
        files.push({ path: entry.path, kind: "unreadable", packages: [], osFacts: [] });
      }
      continue;
    }
    if (!wholeFile) {
      // Executables of any size: only the ranges the extractors ask for are read.
      const found = await extractRanges(entry, info, entry.path, wanting as RangeReadExtractor[], {
        ...(options.signal ? { signal: options.signal } : {}),
      });
      for (const again of found.needsPass) {
        pendingRanges.push({
          slot: files.length,
          path: entry.path,
          readPath: entry.path,
          info,
          extractors: [again.extractor],
          ranges: again.ranges,
        });
      }
      for (const { extractor, issue: problem } of capRangeIssues(found.issues))
        issues.push(locate(problem, extractor, layerDigest, entry.path));
      files.push({ path: entry.path, kind: "file", packages: found.packages, osFacts: found.osFacts });
      continue;
    }
    const content = await readWanted(entry, wanting, options.maxFileSize, note);
    if (content === undefined) {
      files.push({ path: entry.path, kind: "unreadable", packages: [], osFacts: [] });
      continue;
    }
    readContent.set(entry.path, content);
    files.push(await extractFile(entry.path, content, info, wanting));
  }

  if (pending.length > 0) {
    const targets = await readHardlinkTargets(pending, options, note);
    for (const link of pending) {
      const content = targets.get(link.target);
      if (content) files[link.slot] = await extractFile(link.path, content, link.info, link.wanting);
      else
        note(
          "warning",
          "hardlink-target-not-read",
          `${link.path} is a hard link to ${link.target}, whose content could not be read`,
          link.path,
        );
    }
  }

  if (pendingRanges.length > 0) {
    const passes = await runRangePasses(pendingRanges, options.reopen, options.signal);
    for (const { slot, result } of passes.found) {
      const record = files[slot]!;
      files[slot] = {
        ...record,
        packages: [...record.packages, ...result.packages],
        osFacts: [...record.osFacts, ...result.osFacts],
      };
      for (const { extractor, issue: found } of capRangeIssues(result.issues)) {
        issues.push(locate(found, extractor, layerDigest, record.path));
      }
    }
    for (const { file, reason } of passes.unfinished) {
      for (const extractor of file.extractors) {
        issues.push(
          locate(
            {
              severity: "warning",
              code: "range-read-incomplete",
              message: `${extractor.name} did not finish ${file.path}: ${reason}`,
            },
            extractor.name,
            layerDigest,
            file.path,
          ),
        );
      }
    }
  }

  for (const walkIssue of walk.issues) {
    issues.push(
      issue(walkIssue.severity, walkIssue.code, walkIssue.message, "layer", layerDigest, walkIssue.path),
    );
  }
  return {
    layerDigest,
    ...(walk.stats.diffId ? { diffId: walk.stats.diffId } : {}),
    files,
    whiteouts,
    opaqueDirs,
    issues,
    stats: {
      entries: walk.stats.entries,
      uncompressedBytes: walk.stats.uncompressedBytes,
      filesRead: walk.stats.filesRead,
      bytesRead: walk.stats.bytesRead,
    },
  };
}

/** Second pass over the layer: read only the files that pending hard links point at. */
async function readHardlinkTargets(
  pending: readonly PendingHardlink[],
  options: ExtractLayerOptions,
  note: (severity: LocatedIssue["severity"], code: string, message: string, path?: string) => void,
): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  if (!options.reopen) return contents;
  const wanted = new Set(pending.map((p) => p.target));
  for await (const entry of await options.reopen()) {
    if (entry.type !== "file" || !wanted.has(entry.path) || contents.has(entry.path)) continue;
    try {
      contents.set(entry.path, await entry.read());
    } catch (error) {
      if (!(error instanceof FileTooLargeError)) throw error;
      note("error", "file-too-large", error.message, entry.path);
    }
  }
  return contents;
}

async function readWanted(
  entry: LayerWalkEntry,
  wanting: readonly Extractor[],
  hostLimit: number,
  note: (severity: LocatedIssue["severity"], code: string, message: string, path?: string) => void,
): Promise<Buffer | undefined> {
  const limit = Math.min(hostLimit, Math.max(...wanting.map((e) => wholeFileLimit(e) ?? hostLimit)));
  if (entry.size > limit) {
    note(
      "error",
      "file-too-large",
      `${entry.path} is ${entry.size} bytes, over the limit of ${limit} bytes for files read into memory; not read`,
      entry.path,
    );
    return undefined;
  }
  return entry.read();
}

async function runOne(
  extractor: Extractor,
  path: string,
  content: Buffer,
  info: FileInfo,
  signal: AbortSignal | undefined,
): Promise<ExtractorResult> {
  try {
    if (extractor.reads === "ranges") {
      const reader = createBufferFileReader(content);
      return await extractor.extract({ path, reader, info, ...(signal ? { signal } : {}) });
    }
    return await extractor.extract({ path, content, info, ...(signal ? { signal } : {}) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      packages: [],
      issues: [
        {
          severity: "error",
          code: "extractor-failed",
          message: `${extractor.name} failed on this file: ${message}`,
        },
      ],
    };
  }
}

/**
 * Issues one extractor may record for one file; one more then says how many were left out. A
 * damaged database can yield an issue for every few bytes (an NDB slot is 16): a person needs
 * the first ones and the count, and what a scan keeps and stores must stay bounded.
 */
export const MAX_ISSUES_PER_FILE = 100;

function capIssues(found: readonly ExtractorIssue[]): readonly ExtractorIssue[] {
  if (found.length <= MAX_ISSUES_PER_FILE) return found;
  return [...found.slice(0, MAX_ISSUES_PER_FILE), issuesLeftOut(found.length - MAX_ISSUES_PER_FILE)];
}

function capRangeIssues<T extends { readonly extractor: string; readonly issue: ExtractorIssue }>(
  found: readonly T[],
): { readonly extractor: string; readonly issue: ExtractorIssue }[] {
  const kept: { readonly extractor: string; readonly issue: ExtractorIssue }[] = [];
  const counts = new Map<string, number>();
  for (const item of found) {
    const count = (counts.get(item.extractor) ?? 0) + 1;
    counts.set(item.extractor, count);
    if (count <= MAX_ISSUES_PER_FILE) kept.push(item);
  }
  for (const [extractor, count] of counts) {
    if (count > MAX_ISSUES_PER_FILE)
      kept.push({ extractor, issue: issuesLeftOut(count - MAX_ISSUES_PER_FILE) });
  }
  return kept;
}

function issuesLeftOut(count: number): ExtractorIssue {
  return {
    severity: "warning",
    code: "issues-not-listed",
    message: `${count} more issues in this file are not listed (at most ${MAX_ISSUES_PER_FILE} per extractor and file)`,
  };
}

function locate(found: ExtractorIssue, source: string, layerDigest: string, path: string): LocatedIssue {
  return {
    severity: found.severity,
    code: found.code,
    message: found.message,
    source: `extract:${source}`,
    location: {
      layerDigest,
      path: found.path ?? path,
      ...(found.line !== undefined ? { line: found.line } : {}),
      ...(found.record !== undefined ? { record: found.record } : {}),
    },
  };
}

function issue(
  severity: LocatedIssue["severity"],
  code: string,
  message: string,
  source: string,
  layerDigest: string,
  path?: string,
): LocatedIssue {
  return {
    severity,
    code,
    message,
    source,
    location: { layerDigest, ...(path !== undefined ? { path } : {}) },
  };
}

function wholeFileLimit(extractor: Extractor): number | undefined {
  return extractor.reads === "ranges" ? undefined : extractor.maxFileSize;
}
