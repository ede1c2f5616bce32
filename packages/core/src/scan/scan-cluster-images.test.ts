import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import { createMemoryAdvisoryReader } from "../advisory/memory-advisory-reader.js";
import type { CachedImageScan, ImageCache } from "../cache/image-cache.js";
import type { RunningContainer } from "../model/running-container.js";
import { groupByDigest, scanImageTargets } from "./scan-cluster-images.js";

const env = testEnv();
const digestOf = (tag: string): string =>
  JSON.parse(readFileSync(join(env.expectedDir, `${tag}.json`), "utf8")).manifestDigest;

function container(namespace: string, pod: string, reference: string, digest: string): RunningContainer {
  return {
    clusterId: "test",
    namespace,
    pod,
    workload: { kind: "Deployment", name: pod.replace(/-[^-]+-[^-]+$/, ""), namespace },
    containerName: "main",
    containerType: "container",
    image: reference,
    imageId: `${reference.split("@")[0]}@${digest}`,
    digest,
    pullReference: `${reference.split("@")[0]}@${digest}`,
    pullSecrets: [],
  };
}

describe("groupByDigest and scanImageTargets", () => {
  const minbase = digestOf("minbase");
  const alpine = digestOf("alpine-3.11");
  const missing = `sha256:${"0".repeat(64)}`;
  const containers = [
    container("shop", "web-7d4b9c-abcde", `${env.registry}/vigil/minbase`, minbase),
    container("shop", "web-7d4b9c-fghij", `${env.registry}/vigil/minbase`, minbase),
    container("billing", "api-5f6d7e-klmno", `${env.registry}/vigil/minbase`, minbase),
    // The same alpine digest under a repository that does not hold it, and one that does.
    container("ops", "tool-1a2b3c-pqrst", `${env.registry}/vigil/moved-away`, alpine),
    container("ops", "tool-1a2b3c-uvwxy", `${env.registry}/vigil/moved-away`, alpine),
    container("ops", "tool2-1a2b3c-zzzzz", `${env.registry}/vigil/alpine-3.11`, alpine),
    container("ops", "gone-1a2b3c-aaaaa", `${env.registry}/vigil/minbase`, missing),
  ];

  it("groups containers by digest, most common reference first", () => {
    const targets = groupByDigest(containers);
    expect(targets.map((t) => [t.digest, t.containers.length, t.references])).toEqual(
      [
        [
          alpine,
          3,
          [`${env.registry}/vigil/moved-away@${alpine}`, `${env.registry}/vigil/alpine-3.11@${alpine}`],
        ],
        [missing, 1, [`${env.registry}/vigil/minbase@${missing}`]],
        [minbase, 3, [`${env.registry}/vigil/minbase@${minbase}`]],
      ].sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  });

  it("scans each digest once, falls back to another reference, and reports a digest found nowhere", async () => {
    const scanned: string[] = [];
    const credentialsAsked: string[] = [];
    const scans = await scanImageTargets({
      targets: groupByDigest(containers),
      concurrency: 2,
      credentialsFor: (_target, reference) => {
        credentialsAsked.push(reference);
        return undefined;
      },
      onScanned: (scan) => scanned.push(scan.target.digest),
    });
    expect(scanned.sort()).toEqual([alpine, minbase, missing].sort());
    const byDigest = new Map(scans.map((s) => [s.target.digest, s]));

    const min = byDigest.get(minbase)!;
    expect(min.result.status).toBe("complete");
    expect(min.result.image?.manifestDigest).toBe(minbase);
    expect(min.failedAttempts).toEqual([]);

    const alp = byDigest.get(alpine)!;
    expect(alp.result.status).toBe("complete");
    expect(alp.reference).toBe(`${env.registry}/vigil/alpine-3.11@${alpine}`);
    expect(alp.failedAttempts.map((a) => a.reference)).toEqual([
      `${env.registry}/vigil/moved-away@${alpine}`,
    ]);
    expect(alp.failedAttempts[0]!.error).toMatch(/not found|unknown|404/i);

    const gone = byDigest.get(missing)!;
    expect(gone.result.status).toBe("failed");
    expect(gone.result.error).toMatch(/not found|unknown|404/i);
    expect(gone.failedAttempts).toEqual([]);
    expect(credentialsAsked.sort()).toEqual(
      [
        `${env.registry}/vigil/alpine-3.11@${alpine}`,
        `${env.registry}/vigil/minbase@${minbase}`,
        `${env.registry}/vigil/minbase@${missing}`,
        `${env.registry}/vigil/moved-away@${alpine}`,
      ].sort(),
    );
  });
  it("runs each digest's whole scan inside the digest lock, once per digest", async () => {
    const held = new Set<string>();
    const locked: string[] = [];
    const credentialsOutsideLock: string[] = [];
    await scanImageTargets({
      targets: groupByDigest(containers.slice(0, 3)),
      digestLock: async (digest, work) => {
        locked.push(digest);
        held.add(digest);
        try {
          return await work();
        } finally {
          held.delete(digest);
        }
      },
      credentialsFor: (target) => {
        if (!held.has(target.digest)) credentialsOutsideLock.push(target.digest);
        return undefined;
      },
    });
    expect(locked).toEqual([minbase]);
    expect(credentialsOutsideLock).toEqual([]);
    // a lock that fails the digest fails that digest only, as a result
    const [failed] = await scanImageTargets({
      targets: groupByDigest(containers.slice(0, 1)),
      digestLock: async () => Promise.reject(new Error("the lock's connection is gone")),
    });
    expect(failed!.result).toMatchObject({ status: "failed", error: "the lock's connection is gone" });
  });
});

describe("scanImageTargets with an image cache", () => {
  const minbase = digestOf("minbase");
  const advisories = createMemoryAdvisoryReader({
    advisories: [
      {
        record: {
          id: "DEBIAN-CVE-2099-0002",
          modified: "2099-01-01T00:00:00Z",
          upstream: ["CVE-2099-0002"],
          affected: [
            {
              package: { ecosystem: "Debian:12", name: "glibc" },
              ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "9:9.99-1" }] }],
            },
          ],
        },
        source: "test",
        fetchedAt: "2099-01-01T00:00:00Z",
        severity: { level: "high", source: "distribution" },
      },
    ],
  });
  const entries = new Map<string, string>();
  const cache: ImageCache = {
    get: async (key) => (entries.has(key) ? (JSON.parse(entries.get(key)!) as CachedImageScan) : undefined),
    put: async (key, value) => void entries.set(key, JSON.stringify(value)),
  };

  it("pulls a digest once, then reuses its matches, and re-matches its inventory when advisories change", async () => {
    const first = await scanImageTargets({
      targets: groupByDigest([container("a", "web-1-x", `${env.registry}/vigil/minbase`, minbase)]),
      advisories,
      imageCache: cache,
      advisoryRevision: "r1",
    });
    expect(first[0]!.fromCache).toBeUndefined();
    expect(first[0]!.result.matches!.matches.map((m) => m.id)).toEqual(["CVE-2099-0002", "CVE-2099-0002"]);
    expect(entries.size).toBe(1);

    // The same digest named by a registry that does not answer: only the cache can serve it.
    const offline = groupByDigest([container("b", "api-1-y", "127.0.0.1:9/vigil/minbase", minbase)]);
    const second = await scanImageTargets({
      targets: offline,
      advisories,
      imageCache: cache,
      advisoryRevision: "r1",
    });
    expect(second[0]!.fromCache).toBe("matches");
    expect(second[0]!.result.status).toBe("complete");
    expect(second[0]!.result.matches).toEqual(first[0]!.result.matches);

    const third = await scanImageTargets({
      targets: offline,
      advisories,
      imageCache: cache,
      advisoryRevision: "r2",
    });
    expect(third[0]!.fromCache).toBe("inventory");
    expect(third[0]!.result.matches).toEqual(first[0]!.result.matches);
    expect([...entries.values()].map((v) => (JSON.parse(v) as CachedImageScan).matchedWith)).toEqual(["r2"]);

    // A failed scan is never cached.
    const missing = `sha256:${"1".repeat(64)}`;
    const failed = await scanImageTargets({
      targets: groupByDigest([container("c", "x-1-z", `${env.registry}/vigil/minbase`, missing)]),
      advisories,
      imageCache: cache,
      advisoryRevision: "r2",
    });
    expect(failed[0]!.result.status).toBe("failed");
    expect(entries.size).toBe(1);
  });
});
