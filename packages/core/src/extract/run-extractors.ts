import type { LayerWalkEntry } from "../layer/layer-entry.js";
import type { LayerWalk } from "../layer/walk-layer.js";
import type { LocatedIssue } from "../model/issue.js";
import type { LayerFileRecord, LayerInventory, LayerPackage } from "../model/layer-inventory.js";
import type { OsFact } from "../model/os-info.js";
import type { Extractor, ExtractorIssue, ExtractorResult } from "./extractor.js";

/** Options of {@link extractLayer}. */
export interface ExtractLayerOptions {
  readonly walk: LayerWalk;
  readonly extractors: readonly Extractor[];
  readonly layerDigest: string;
  /** The host's per-file limit; an extractor's own `maxFileSize` can only lower it. */
  readonly maxFileSize: number;
  readonly signal?: AbortSignal;
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
  // Content of files read in this layer, so a hard link to one of them can be served.
  const readContent = new Map<string, Buffer>();

  for await (const entry of walk) {
    if (entry.whiteout) {
      (entry.whiteout.kind === "opaque" ? opaqueDirs : whiteouts).push(entry.whiteout.target);
      continue;
    }
    if (entry.type === "directory" && extractors.length === 0) continue;
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
    const content = await readWanted(entry, wanting, options.maxFileSize, readContent, layerDigest, issues);
    if (content === undefined) {
      files.push({ path: entry.path, kind: "unreadable", packages: [], osFacts: [] });
      continue;
    }
    const packages: LayerPackage[] = [];
    const osFacts: OsFact[] = [];
    for (const extractor of wanting) {
      const limit = Math.min(extractor.maxFileSize ?? Number.POSITIVE_INFINITY, options.maxFileSize);
      if (content.length > limit) {
        issues.push(
          issue(
            "warning",
            "file-too-large",
            `${entry.path} is ${content.length} bytes, over ${extractor.name}'s limit of ${limit}`,
            extractor.name,
            layerDigest,
            entry.path,
          ),
        );
        continue;
      }
      const result = await runOne(extractor, entry.path, content, info, options.signal);
      for (const pkg of result.packages) packages.push({ ...pkg, foundBy: extractor.name });
      if (result.osFacts) osFacts.push(...result.osFacts);
      for (const found of result.issues) issues.push(locate(found, extractor.name, layerDigest, entry.path));
    }
    files.push({ path: entry.path, kind: "file", packages, osFacts });
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

async function readWanted(
  entry: LayerWalkEntry,
  wanting: readonly Extractor[],
  hostLimit: number,
  readContent: Map<string, Buffer>,
  layerDigest: string,
  issues: LocatedIssue[],
): Promise<Buffer | undefined> {
  if (entry.type === "hardlink") {
    const target = entry.linkTarget === undefined ? undefined : readContent.get(entry.linkTarget);
    if (target === undefined) {
      issues.push(
        issue(
          "warning",
          "hardlink-target-not-read",
          `${entry.path} is a hard link to ${entry.linkTarget}, which no extractor read earlier in this layer`,
          "extract",
          layerDigest,
          entry.path,
        ),
      );
    }
    return target;
  }
  const limit = Math.min(hostLimit, Math.max(...wanting.map((e) => e.maxFileSize ?? hostLimit)));
  if (entry.size > limit) {
    issues.push(
      issue(
        "error",
        "file-too-large",
        `${entry.path} is ${entry.size} bytes, over the limit of ${limit} bytes for files read into memory; not read`,
        "extract",
        layerDigest,
        entry.path,
      ),
    );
    return undefined;
  }
  const content = await entry.read();
  readContent.set(entry.path, content);
  return content;
}

async function runOne(
  extractor: Extractor,
  path: string,
  content: Buffer,
  info: { size: number; mode: number },
  signal: AbortSignal | undefined,
): Promise<ExtractorResult> {
  try {
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
