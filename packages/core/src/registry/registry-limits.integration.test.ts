import { afterEach, describe, expect, it } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import { readExpectedImage } from "../../../../scripts/test-env/expected.js";
import type { Descriptor } from "../model/image.js";
import { scanImageTargets } from "../scan/scan-cluster-images.js";
import type { ImageSource } from "./image-source.js";
import { openImageSource } from "./open-image-source.js";
import { createRegistryLimits, type RegistryLimits } from "./registry-limits.js";
import { type CountingProxy, type RequestSpan, startCountingProxy } from "./test-support/counting-proxy.js";
import { digestOf } from "./test-support/streams.js";

/**
 * Registry limits against the real test registry, seen from a counting proxy in front of it
 * (each proxy is one registry host to the client): requests in flight per host, bytes per
 * second per host, aborts and 429s.
 */
const env = testEnv();
const SMALL_IMAGES = [
  "alpine-3.10",
  "alpine-3.11",
  "rpm-bdb",
  "rpm-ndb",
  "rpm-sqlite",
  "distroless-deb",
] as const;
/** rpm-ndb's one layer: 376,108 bytes. */
const ndbLayer: Descriptor = readExpectedImage(env, "rpm-ndb").layers[0]!;
const bdbLayer: Descriptor = readExpectedImage(env, "rpm-bdb").layers[0]!;
/**
 * nodeapp's second layer (36 MB): larger than the buffers between the socket and the reader,
 * so an unread blob keeps its response body open (smaller blobs are received whole at once).
 */
const bigLayer: Descriptor = readExpectedImage(env, "nodeapp").layers[1]!;

const proxies: CountingProxy[] = [];
const sources: ImageSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close?.()));
  await Promise.all(proxies.splice(0).map((p) => p.stop()));
});

async function proxy(options: Omit<Parameters<typeof startCountingProxy>[0], "target"> = {}) {
  const p = await startCountingProxy({ target: env.registry, ...options });
  proxies.push(p);
  return p;
}

async function open(host: string, tag: string, limits: RegistryLimits): Promise<ImageSource> {
  const source = await openImageSource(`${host}/vigil/${tag}:latest`, { registryLimits: limits });
  sources.push(source);
  return source;
}

/** Scan the small images through `host`, all at once. */
function scanAll(host: string, limits: RegistryLimits) {
  return scanImageTargets({
    targets: SMALL_IMAGES.map((tag) => ({
      digest: readExpectedImage(env, tag).manifestDigest,
      references: [`${host}/vigil/${tag}:latest`],
      containers: [],
    })),
    concurrency: SMALL_IMAGES.length,
    extractors: [],
    registryLimits: limits,
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

function overlaps(a: readonly RequestSpan[], b: readonly RequestSpan[]): boolean {
  return a.some((x) => b.some((y) => x.start < y.end && y.start < x.end));
}

describe("registry limits: requests in flight per host", () => {
  it("never lets parallel scans of different images have more than N requests at one host", async () => {
    // Each response is held 40 ms, so unlimited scans overlap for sure.
    const limited = await proxy({ delayMs: 40 });
    const limits = createRegistryLimits({ concurrencyPerHost: 2 });
    const scans = await scanAll(limited.host, limits);
    expect(scans.map((s) => s.result.status)).toEqual(SMALL_IMAGES.map(() => "complete"));
    // manifest, config and layer of each image
    expect(limited.paths).toHaveLength(SMALL_IMAGES.length * 3);
    expect(limited.peak).toBe(2);
    expect(limits.inFlight(limited.host)).toBe(0);

    // The same scans with room for all of them: the proxy does see more at once.
    const roomy = await proxy({ delayMs: 40 });
    await scanAll(roomy.host, createRegistryLimits({ concurrencyPerHost: 64 }));
    expect(roomy.peak).toBeGreaterThan(2);
  });

  it("limits two hosts independently: each has its own N, and both are served at once", async () => {
    const a = await proxy({ delayMs: 40 });
    const b = await proxy({ delayMs: 40 });
    const limits = createRegistryLimits({ concurrencyPerHost: 1 });
    const [scansA, scansB] = await Promise.all([scanAll(a.host, limits), scanAll(b.host, limits)]);
    expect([...scansA, ...scansB].every((s) => s.result.status === "complete")).toBe(true);
    expect([a.peak, b.peak]).toEqual([1, 1]);
    expect(overlaps(a.spans, b.spans)).toBe(true);
  });

  it("shares one host's permits between image sources, and a blob holds its permit until read", async () => {
    const host = await proxy();
    const limits = createRegistryLimits({ concurrencyPerHost: 1 });
    const first = await open(host.host, "nodeapp", limits);
    const second = await open(host.host, "rpm-bdb", limits);
    const held = await first.openBlob(bigLayer);
    expect(limits.inFlight(host.host)).toBe(1);
    const waiting = second.openBlob(bdbLayer);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(limits.waiting(host.host)).toBe(1);
    expect(await digestOf(held)).toEqual({ digest: bigLayer.digest, size: bigLayer.size });
    expect(await digestOf(await waiting)).toEqual({ digest: bdbLayer.digest, size: bdbLayer.size });
    expect(limits.inFlight(host.host)).toBe(0);
  });

  it("gives up a place in the queue when the pull is aborted while waiting for a permit", async () => {
    const host = await proxy();
    const limits = createRegistryLimits({ concurrencyPerHost: 1 });
    const big = await open(host.host, "nodeapp", limits);
    const source = await open(host.host, "rpm-bdb", limits);
    const held = await big.openBlob(bigLayer);
    const controller = new AbortController();
    const waiting = source.openBlob(bdbLayer, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(waiting).rejects.toThrow();
    expect(limits.waiting(host.host)).toBe(0);
    held.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(limits.inFlight(host.host)).toBe(0);
    // Nothing was left behind: the host serves the next pull at once.
    expect((await digestOf(await source.openBlob(bdbLayer))).size).toBe(bdbLayer.size);
  });
});

describe("registry limits: bandwidth per host", () => {
  const rate = 512 * 1024;
  const burst = rate / 10;
  /** Seconds the cap allows for one rpm-ndb layer, after the bucket's initial burst. */
  const oneLayer = (ndbLayer.size - burst) / rate;

  it("caps a real blob pull at the rate (376 KB at 512 KiB/s takes ~0.67 s, uncapped far less)", async () => {
    const uncapped = await open(env.registry, "rpm-ndb", createRegistryLimits());
    const fast = await timed(async () => digestOf(await uncapped.openBlob(ndbLayer)));
    const capped = await open(env.registry, "rpm-ndb", createRegistryLimits({ bytesPerSecondPerHost: rate }));
    const slow = await timed(async () => digestOf(await capped.openBlob(ndbLayer)));
    expect(slow.value).toEqual({ digest: ndbLayer.digest, size: ndbLayer.size });
    expect(slow.seconds).toBeGreaterThanOrEqual(oneLayer * 0.95);
    expect(slow.seconds).toBeLessThan(oneLayer + 1);
    expect(fast.seconds).toBeLessThan(slow.seconds / 2);
  });

  it("shares one host's rate between parallel pulls, and gives another host its own", async () => {
    const limits = createRegistryLimits({ bytesPerSecondPerHost: rate });
    const a = await proxy();
    const b = await proxy();
    const [a1, a2, b1] = [
      await open(a.host, "rpm-ndb", limits),
      await open(a.host, "rpm-ndb", limits),
      await open(b.host, "rpm-ndb", limits),
    ];
    const sameHost = await timed(() =>
      Promise.all([a1, a2].map(async (s) => digestOf(await s.openBlob(ndbLayer)))),
    );
    // Two layers through one bucket: twice the time of one.
    expect(sameHost.seconds).toBeGreaterThanOrEqual((2 * ndbLayer.size - burst) / rate - 0.05);
    const twoHosts = await timed(() =>
      Promise.all([a1, b1].map(async (s) => digestOf(await s.openBlob(ndbLayer)))),
    );
    expect(twoHosts.value.map((v) => v.size)).toEqual([ndbLayer.size, ndbLayer.size]);
    expect(twoHosts.seconds).toBeLessThan(sameHost.seconds * 0.75);
  });

  it("stops a throttled pull promptly when aborted, and gives its permit back", async () => {
    const host = await proxy();
    const limits = createRegistryLimits({ concurrencyPerHost: 1, bytesPerSecondPerHost: 64 * 1024 });
    const source = await open(host.host, "rpm-ndb", limits);
    const controller = new AbortController();
    const blob = await source.openBlob(ndbLayer, { signal: controller.signal });
    const reading = digestOf(blob);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const abortedAt = performance.now();
    controller.abort();
    await expect(reading).rejects.toThrow();
    // Uncapped, the rest of the layer would still take ~4.5 s.
    expect(performance.now() - abortedAt).toBeLessThan(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(limits.inFlight(host.host)).toBe(0);
    const bdb = await open(host.host, "rpm-bdb", limits);
    const next = await timed(async () => digestOf(await bdb.openBlob(bdbLayer)));
    expect(next.value.size).toBe(bdbLayer.size);
    expect(next.seconds).toBeLessThan(1);
  });
});

describe("registry limits: retries", () => {
  it("waits out a 429's Retry-After without its permit, so the host serves others meanwhile", async () => {
    const ndbPath = `/v2/vigil/rpm-ndb/blobs/${ndbLayer.digest}`;
    let refused = 0;
    const host = await proxy({
      answer: (path) =>
        path === ndbPath && refused++ === 0 ? { status: 429, headers: { "retry-after": "1" } } : undefined,
    });
    const limits = createRegistryLimits({ concurrencyPerHost: 1 });
    const ndb = await open(host.host, "rpm-ndb", limits);
    const bdb = await open(host.host, "rpm-bdb", limits);
    const started = performance.now();
    const slow = ndb.openBlob(ndbLayer).then(digestOf);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const other = await timed(async () => digestOf(await bdb.openBlob(bdbLayer)));
    expect(other.value.size).toBe(bdbLayer.size);
    // Served during the 1 s wait, not after it.
    expect(other.seconds).toBeLessThan(0.7);
    expect(await slow).toEqual({ digest: ndbLayer.digest, size: ndbLayer.size });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(host.paths.filter((p) => p === ndbPath)).toHaveLength(2);
    expect(host.peak).toBe(1);
    expect(limits.inFlight(host.host)).toBe(0);
  });
});
