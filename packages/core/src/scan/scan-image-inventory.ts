import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { type LayerCache, layerCacheKey } from "../cache/layer-cache.js";
import { createBuiltinExtractors } from "../extract/builtin/index.js";
import type { Extractor } from "../extract/extractor.js";
import { extractLayer } from "../extract/run-extractors.js";
import { buildImageInventory } from "../inventory/build-image-inventory.js";
import type { PlacedLayer } from "../inventory/merge-layers.js";
import { DEFAULT_LAYER_LIMITS, type LayerLimits } from "../layer/layer-limits.js";
import { walkLayer } from "../layer/walk-layer.js";
import type { Descriptor, Platform, ResolvedImage } from "../model/image.js";
import type { ImageInventory } from "../model/image-inventory.js";
import type { LocatedIssue } from "../model/issue.js";
import type { LayerInventory } from "../model/layer-inventory.js";
import type { ImageSource } from "../registry/image-source.js";
import { runPool } from "./run-pool.js";
import type { ScanProgressEvent } from "./scan-progress.js";

/** Options of {@link scanImageInventory}. */
export interface ScanImageInventoryOptions {
  readonly source: ImageSource;
  /** Defaults to every built-in extractor. */
  readonly extractors?: readonly Extractor[];
  readonly cache?: LayerCache;
  readonly platform?: Platform;
  readonly limits?: Partial<LayerLimits>;
  /** Layers read at once; decompression runs on libuv's threads, so 2 keeps both cores busy. */
  readonly layerConcurrency?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ScanProgressEvent) => void;
}

/** What happened to one layer. */
export interface LayerOutcome {
  readonly index: number;
  readonly digest: string;
  readonly size: number;
  readonly status: "cached" | "read" | "failed";
  readonly error?: string;
  readonly durationMs: number;
}

/**
 * The result of an inventory scan. `complete` means every layer was read (or came from
 * the cache) to its verified end; `partial` means some layers failed and the inventory
 * lacks what they held; `failed` means the image could not be resolved at all.
 */
export interface ImageInventoryScan {
  readonly status: "complete" | "partial" | "failed";
  readonly image?: ResolvedImage;
  readonly inventory?: ImageInventory;
  readonly layers: readonly LayerOutcome[];
  /** Why the scan failed or is partial, for people. */
  readonly error?: string;
  readonly cause?: unknown;
  readonly durationMs: number;
}

/**
 * The orchestrator of the first stages: resolve the image, then for each layer either
 * take its extraction from the cache or stream it (blob → decompress → tar walk →
 * extractors), then merge. Layers are read concurrently and each result is cached only
 * when the layer was read completely.
 */
export async function scanImageInventory(options: ScanImageInventoryOptions): Promise<ImageInventoryScan> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const { source, cache, signal, onProgress } = options;
  const extractors = options.extractors ?? createBuiltinExtractors();
  const limits: LayerLimits = { ...DEFAULT_LAYER_LIMITS, ...options.limits };

  let image: ResolvedImage;
  try {
    image = await source.resolve({
      ...(options.platform ? { platform: options.platform } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (cause) {
    return { status: "failed", layers: [], error: messageOf(cause), cause, durationMs: elapsed() };
  }
  onProgress?.({
    type: "resolved",
    reference: image.reference,
    layers: image.layers.length,
    totalBytes: image.layers.reduce((sum, l) => sum + l.size, 0),
  });

  const outcomes = await runPool(image.layers, options.layerConcurrency ?? 2, async (layer, index) => {
    const layerStarted = performance.now();
    const key = layerCacheKey(layer.digest, extractors, limits.maxFileSize);
    const cached = await cache?.get(key);
    if (cached) {
      onProgress?.({ type: "layer-done", index, cached: true, failed: false });
      return { inventory: cached, status: "cached" as const, ms: performance.now() - layerStarted };
    }
    onProgress?.({ type: "layer-start", index, digest: layer.digest, size: layer.size });
    try {
      const inventory = await readLayer(
        source,
        layer,
        index,
        image.config.diffIds[index],
        extractors,
        limits,
        signal,
        onProgress,
      );
      await cache?.put(key, inventory);
      onProgress?.({ type: "layer-done", index, cached: false, failed: false });
      return { inventory, status: "read" as const, ms: performance.now() - layerStarted };
    } catch (error) {
      onProgress?.({ type: "layer-done", index, cached: false, failed: true });
      throw error;
    }
  });

  const placed: PlacedLayer[] = [];
  const layers: LayerOutcome[] = [];
  const failures: LocatedIssue[] = [];
  outcomes.forEach((outcome, index) => {
    const layer = image.layers[index]!;
    const base = { index, digest: layer.digest, size: layer.size };
    if (outcome.status === "fulfilled") {
      const { inventory, status, ms } = outcome.value;
      const diffId = image.config.diffIds[index] ?? inventory.diffId;
      placed.push({ index, layerDigest: layer.digest, ...(diffId ? { diffId } : {}), inventory });
      layers.push({ ...base, status, durationMs: Math.round(ms) });
    } else {
      const error = messageOf(outcome.reason);
      layers.push({ ...base, status: "failed", error, durationMs: 0 });
      failures.push({
        severity: "error",
        code: "layer-failed",
        message: `layer ${index} could not be read: ${error}`,
        source: "scan",
        location: { image: image.reference, layerDigest: layer.digest },
      });
    }
  });

  const inventory = buildImageInventory(placed, failures);
  const failed = layers.filter((l) => l.status === "failed");
  if (failed.length === 0) return { status: "complete", image, inventory, layers, durationMs: elapsed() };
  const first = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
  return {
    status: "partial",
    image,
    inventory,
    layers,
    error:
      failed.length === layers.length
        ? `no layer could be read (${failed.length} of ${layers.length}); the inventory is empty. First error: ${failed[0]!.error}`
        : `${failed.length} of ${layers.length} layers could not be read; the inventory is incomplete. First error: ${failed[0]!.error}`,
    cause: first.reason,
    durationMs: elapsed(),
  };
}

async function readLayer(
  source: ImageSource,
  layer: Descriptor,
  index: number,
  diffId: string | undefined,
  extractors: readonly Extractor[],
  limits: LayerLimits,
  signal: AbortSignal | undefined,
  onProgress: ((event: ScanProgressEvent) => void) | undefined,
): Promise<LayerInventory> {
  const opened: Readable[] = [];
  const open = async (report: boolean) => {
    const blob = await source.openBlob(layer, signal ? { signal } : {});
    opened.push(blob);
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of blob) {
        onProgress?.({ type: "layer-bytes", index, bytes: (chunk as Buffer).length });
        yield chunk as Buffer;
      }
    }
    return walkLayer(report && onProgress ? counted() : (blob as AsyncIterable<Buffer>), {
      limits,
      ...(diffId ? { expectedDiffId: diffId } : {}),
      ...(signal ? { signal } : {}),
    });
  };
  try {
    return await extractLayer({
      walk: await open(true),
      reopen: () => open(false),
      extractors,
      layerDigest: layer.digest,
      maxFileSize: limits.maxFileSize,
      ...(signal ? { signal } : {}),
    });
  } finally {
    for (const blob of opened) blob.destroy();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
