import { performance } from "node:perf_hooks";
import { type CachedImageScan, type ImageCache, imageCacheKey } from "../cache/image-cache.js";
import { createBuiltinExtractors } from "../extract/builtin/index.js";
import { DEFAULT_LAYER_LIMITS } from "../layer/layer-limits.js";
import { matchInventory } from "../match/match-inventory.js";
import type { RunningContainer } from "../model/running-container.js";
import type { DockerConfig } from "../registry/docker-config.js";
import { createRegistryLimits } from "../registry/registry-limits.js";
import { runPool } from "./run-pool.js";
import { type ImageScanResult, type ScanImageOptions, scanImage } from "./scan-image.js";

/**
 * One image digest that runs in a cluster and every container that runs it. The unit of
 * scanning: however many pods run a digest, it is pulled and scanned once.
 */
export interface ImageScanTarget {
  /** The digest the containers run (`sha256:…`), manifest or index. */
  readonly digest: string;
  /**
   * References to pull it by, most common first: the same digest may be pulled from
   * several repositories (a mirror, a re-tag pushed elsewhere). Later ones are tried when
   * an earlier one cannot be pulled.
   */
  readonly references: readonly string[];
  readonly containers: readonly RunningContainer[];
}

/** Group running containers by the digest they run, so each digest is scanned once. */
export function groupByDigest(containers: readonly RunningContainer[]): ImageScanTarget[] {
  const byDigest = new Map<string, RunningContainer[]>();
  for (const container of containers) {
    const list = byDigest.get(container.digest);
    if (list) list.push(container);
    else byDigest.set(container.digest, [container]);
  }
  return [...byDigest.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([digest, list]) => {
      const counts = new Map<string, number>();
      for (const c of list) counts.set(c.pullReference, (counts.get(c.pullReference) ?? 0) + 1);
      const references = [...counts.entries()]
        .sort(([ra, a], [rb, b]) => b - a || (ra < rb ? -1 : ra > rb ? 1 : 0))
        .map(([reference]) => reference);
      return { digest, references, containers: list };
    });
}

/** One attempt to pull an image by one of its references that did not work. */
export interface FailedAttempt {
  readonly reference: string;
  readonly error: string;
}

/** The scan of one digest, to be fanned out to every container that runs it. */
export interface ImageTargetScan {
  readonly target: ImageScanTarget;
  /** The reference that was scanned (the last one tried when all failed). */
  readonly reference: string;
  readonly result: ImageScanResult;
  /** References tried before `reference`, and why they failed. */
  readonly failedAttempts: readonly FailedAttempt[];
  /**
   * `result` came from the image cache: `matches` as stored (the advisories did not change),
   * or `inventory` matched again against newer advisories; nothing was pulled either way.
   */
  readonly fromCache?: "matches" | "inventory";
}

/** Options of {@link scanImageTargets}. */
export interface ScanImageTargetsOptions
  extends Omit<ScanImageOptions, "dockerConfig" | "credentials" | "onProgress"> {
  readonly targets: readonly ImageScanTarget[];
  /** Image scans in flight at once; default 2, so a cluster scan never floods a registry. */
  readonly concurrency?: number;
  /**
   * Registry credentials for pulling `reference` of `target`: the pull secrets of the pods
   * that run it. Held in memory for the scan only.
   */
  readonly credentialsFor?: (
    target: ImageScanTarget,
    reference: string,
  ) => DockerConfig | undefined | Promise<DockerConfig | undefined>;
  /**
   * Complete scans by digest: a digest already scanned with the same extractors is not
   * pulled again; its stored inventory is matched again when `advisoryRevision` differs.
   */
  readonly imageCache?: ImageCache;
  /** The advisory data's revision (`advisoryRevision(reader)`); without it cached matches are never reused. */
  readonly advisoryRevision?: string;
  /** Called as each digest finishes, in completion order. */
  readonly onScanned?: (scan: ImageTargetScan) => void;
  /**
   * Runs the scan of one digest (image cache lookup, pull and extraction, cache write) as
   * `work` under a lock on that digest. Workers in several processes that share an image cache
   * pass a lock they all see (the server's PostgreSQL advisory lock), so one digest is never
   * pulled by two of them at once: the second finds the first's result in the cache. Default:
   * no lock.
   */
  readonly digestLock?: DigestLock;
}

/** See {@link ScanImageTargetsOptions.digestLock}. */
export type DigestLock = <T>(digest: string, work: () => Promise<T>) => Promise<T>;

/** Default number of image scans in flight. */
export const DEFAULT_IMAGE_SCAN_CONCURRENCY = 2;

/**
 * Scans each target once, at most `concurrency` at a time, sharing the layer cache and
 * HTTP client given in the options. A digest whose first reference cannot be pulled is
 * tried by its other references; one that fails everywhere is a failed result, never an
 * exception, so one bad image does not stop the others. Results are in target order.
 */
export async function scanImageTargets(options: ScanImageTargetsOptions): Promise<ImageTargetScan[]> {
  const {
    targets,
    credentialsFor,
    onScanned,
    concurrency,
    imageCache,
    advisoryRevision,
    digestLock,
    ...scanOptions
  } = options;
  const extractors = options.extractors ?? createBuiltinExtractors();
  // One set of per-host limits for every image of this call, unless the caller shares its own
  // (the server's and the CLI's, for the whole process).
  const registryLimits = options.registryLimits ?? createRegistryLimits();
  const maxFileSize = options.limits?.maxFileSize ?? DEFAULT_LAYER_LIMITS.maxFileSize;
  const platform =
    typeof options.platform === "string"
      ? options.platform
      : options.platform
        ? platformText(options.platform)
        : "linux/amd64";
  const lock: DigestLock = digestLock ?? ((_digest, work) => work());
  const settled = await runPool(targets, concurrency ?? DEFAULT_IMAGE_SCAN_CONCURRENCY, (target) =>
    lock(target.digest, () => scanTarget(target)),
  );
  async function scanTarget(target: ImageScanTarget): Promise<ImageTargetScan> {
    const key = imageCache ? imageCacheKey(target.digest, platform, extractors, maxFileSize) : undefined;
    const cached = key ? await imageCache!.get(key) : undefined;
    if (cached && key) {
      const scan = await fromCached(target, cached, options, advisoryRevision, async (fresh) =>
        imageCache!.put(key, fresh),
      );
      onScanned?.(scan);
      return scan;
    }
    const failedAttempts: FailedAttempt[] = [];
    let last: { reference: string; result: ImageScanResult } | undefined;
    for (const reference of target.references) {
      if (options.signal?.aborted) break;
      const dockerConfig = await credentialsFor?.(target, reference);
      const result = await scanImage(reference, {
        ...scanOptions,
        registryLimits,
        ...(dockerConfig ? { dockerConfig } : {}),
      });
      last = { reference, result };
      // Only a failure to get the image at all is worth another reference; a partial
      // read of an image that was found is that image's result.
      if (result.status !== "failed" || result.image) break;
      failedAttempts.push({ reference, error: result.error ?? "failed" });
    }
    const scan: ImageTargetScan = last
      ? {
          target,
          reference: last.reference,
          result: last.result,
          // When every reference failed, the last one is the result itself.
          failedAttempts:
            last.result.status === "failed" && !last.result.image
              ? failedAttempts.slice(0, -1)
              : failedAttempts,
        }
      : {
          target,
          reference: target.references[0] ?? target.digest,
          result: cancelled(),
          failedAttempts,
        };
    const { image, inventory, matches } = scan.result;
    if (key && scan.result.status === "complete" && image && inventory) {
      await imageCache!.put(key, {
        image,
        inventory,
        ...(matches && advisoryRevision ? { matches, matchedWith: advisoryRevision } : {}),
      });
    }
    onScanned?.(scan);
    return scan;
  }
  return settled.map((outcome, i) =>
    outcome.status === "fulfilled"
      ? outcome.value
      : {
          target: targets[i]!,
          reference: targets[i]!.references[0] ?? targets[i]!.digest,
          result: failedWith(outcome.reason),
          failedAttempts: [],
        },
  );
}

function cancelled(): ImageScanResult {
  return failedWith(new Error("the scan was cancelled before this image"));
}

function failedWith(cause: unknown): ImageScanResult {
  const error = cause instanceof Error ? cause.message : String(cause);
  return {
    status: "failed",
    error,
    cause,
    layers: [],
    stages: {
      inventory: { status: "failed", durationMs: 0, error },
      match: { status: "skipped", durationMs: 0 },
    },
  };
}

/** A scan result from a cached complete scan: stored matches, or the stored inventory matched again. */
async function fromCached(
  target: ImageScanTarget,
  cached: CachedImageScan,
  options: ScanImageTargetsOptions,
  revision: string | undefined,
  store: (fresh: CachedImageScan) => Promise<void>,
): Promise<ImageTargetScan> {
  const reference = target.references[0] ?? target.digest;
  const { image, inventory } = cached;
  const stages = (matchMs: number) => ({
    inventory: { status: "succeeded" as const, durationMs: 0 },
    match: options.advisories
      ? { status: "succeeded" as const, durationMs: matchMs }
      : { status: "skipped" as const, durationMs: 0 },
  });
  if (!options.advisories) {
    return {
      target,
      reference,
      failedAttempts: [],
      fromCache: "inventory",
      result: { status: "complete", image, inventory, layers: [], stages: stages(0) },
    };
  }
  if (cached.matches && revision && cached.matchedWith === revision) {
    return {
      target,
      reference,
      failedAttempts: [],
      fromCache: "matches",
      result: {
        status: "complete",
        image,
        inventory,
        layers: [],
        matches: cached.matches,
        stages: stages(0),
      },
    };
  }
  const started = performance.now();
  const matches = await matchInventory({ inventory, reader: options.advisories });
  if (revision) await store({ image, inventory, matches, matchedWith: revision });
  return {
    target,
    reference,
    failedAttempts: [],
    fromCache: "inventory",
    result: {
      status: "complete",
      image,
      inventory,
      layers: [],
      matches,
      stages: stages(Math.round(performance.now() - started)),
    },
  };
}

function platformText(platform: { os: string; architecture: string; variant?: string }): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
}
