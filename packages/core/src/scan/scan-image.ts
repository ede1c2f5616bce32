import { performance } from "node:perf_hooks";
import type { AdvisoryReader } from "../advisory/store.js";
import type { LayerCache } from "../cache/layer-cache.js";
import type { Extractor } from "../extract/extractor.js";
import type { LayerLimits } from "../layer/layer-limits.js";
import { type InventoryMatches, matchInventory } from "../match/match-inventory.js";
import type { ResolvedImage } from "../model/image.js";
import type { ImageInventory } from "../model/image-inventory.js";
import { type OpenImageSourceOptions, openImageSource } from "../registry/open-image-source.js";
import { createRegistryLimits } from "../registry/registry-limits.js";
import { type LayerOutcome, scanImageInventory } from "./scan-image-inventory.js";
import type { ScanProgressEvent } from "./scan-progress.js";

/** How one stage of a scan ended. */
export interface StageStatus {
  readonly status: "succeeded" | "partial" | "failed" | "skipped";
  readonly durationMs: number;
  readonly error?: string;
}

/** Options of {@link scanImage}. */
export interface ScanImageOptions extends OpenImageSourceOptions {
  /** Where advisories come from; without one, only the inventory is produced. */
  readonly advisories?: AdvisoryReader;
  readonly cache?: LayerCache;
  readonly extractors?: readonly Extractor[];
  readonly limits?: Partial<LayerLimits>;
  readonly layerConcurrency?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ScanProgressEvent) => void;
}

/**
 * The result of {@link scanImage}: each stage's status, the inventory and the matches.
 * `status` is `complete` only when every layer was read and matching ran; a `partial`
 * result must never be treated as proof that a vulnerability is gone.
 */
export interface ImageScanResult {
  readonly status: "complete" | "partial" | "failed";
  readonly error?: string;
  readonly cause?: unknown;
  readonly image?: ResolvedImage;
  readonly inventory?: ImageInventory;
  readonly layers: readonly LayerOutcome[];
  readonly matches?: InventoryMatches;
  readonly stages: { readonly inventory: StageStatus; readonly match: StageStatus };
}

/**
 * Scan one image end to end: resolve and read it from any image source (`vigil sbom`'s
 * references), build its inventory, and match it against the advisories. The small public
 * entry point that other programs embed.
 */
export async function scanImage(reference: string, options: ScanImageOptions = {}): Promise<ImageScanResult> {
  const started = performance.now();
  let source: Awaited<ReturnType<typeof openImageSource>>;
  try {
    // Without limits of the caller's, this scan at least stays within the default per host.
    source = await openImageSource(reference, {
      ...options,
      registryLimits: options.registryLimits ?? createRegistryLimits(),
    });
  } catch (cause) {
    const error = cause instanceof Error ? cause.message : String(cause);
    return {
      status: "failed",
      error,
      cause,
      layers: [],
      stages: {
        inventory: { status: "failed", durationMs: Math.round(performance.now() - started), error },
        match: skipped(),
      },
    };
  }
  try {
    const scan = await scanImageInventory({
      source,
      ...(options.extractors ? { extractors: options.extractors } : {}),
      ...(options.cache ? { cache: options.cache } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.layerConcurrency ? { layerConcurrency: options.layerConcurrency } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const inventoryStage: StageStatus = {
      status: scan.status === "complete" ? "succeeded" : scan.status,
      durationMs: scan.durationMs,
      ...(scan.error ? { error: scan.error } : {}),
    };
    const base = {
      ...(scan.image ? { image: scan.image } : {}),
      ...(scan.inventory ? { inventory: scan.inventory } : {}),
      layers: scan.layers,
      ...(scan.error ? { error: scan.error, cause: scan.cause } : {}),
    };
    if (scan.status === "failed" || !scan.inventory || !options.advisories) {
      return { status: scan.status, ...base, stages: { inventory: inventoryStage, match: skipped() } };
    }
    const matchStarted = performance.now();
    try {
      const matches = await matchInventory({ inventory: scan.inventory, reader: options.advisories });
      const match: StageStatus = {
        status: "succeeded",
        durationMs: Math.round(performance.now() - matchStarted),
      };
      return { status: scan.status, ...base, matches, stages: { inventory: inventoryStage, match } };
    } catch (cause) {
      const error = cause instanceof Error ? cause.message : String(cause);
      const match: StageStatus = {
        status: "failed",
        durationMs: Math.round(performance.now() - matchStarted),
        error,
      };
      return {
        status: "failed",
        ...base,
        error: `matching failed: ${error}`,
        cause,
        stages: { inventory: inventoryStage, match },
      };
    }
  } finally {
    await source.close?.();
  }
}

function skipped(): StageStatus {
  return { status: "skipped", durationMs: 0 };
}
