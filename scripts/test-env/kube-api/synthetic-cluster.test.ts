import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningKubeApiServer, startKubeApiServer } from "./kube-api-server.js";
import type { KubeObject } from "./kube-object.js";
import { syntheticCluster } from "./synthetic-cluster.js";
import { getJson } from "./test-client.js";

interface List {
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

describe("syntheticCluster", () => {
  it("is deterministic and chains Pod → ReplicaSet → Deployment by uid", () => {
    const objects = syntheticCluster({ pods: 12, podsPerDeployment: 5, namespaces: 2 });
    expect(syntheticCluster({ pods: 12, podsPerDeployment: 5, namespaces: 2 })).toEqual(objects);
    const of = (kind: string) => objects.filter((o) => o.kind === kind);
    expect([
      of("Namespace").length,
      of("Deployment").length,
      of("ReplicaSet").length,
      of("Pod").length,
    ]).toEqual([2, 3, 3, 12]);
    const uids = new Map(objects.map((o) => [o.metadata.uid, o]));
    expect(uids.size).toBe(objects.length);
    for (const pod of of("Pod")) {
      const rs = uids.get(pod.metadata.ownerReferences?.[0]?.uid);
      expect(rs?.kind).toBe("ReplicaSet");
      expect(rs?.metadata.namespace).toBe(pod.metadata.namespace);
      expect(uids.get(rs?.metadata.ownerReferences?.[0]?.uid)?.kind).toBe("Deployment");
      const statuses = (pod.status as { containerStatuses: { imageID: string; image: string }[] })
        .containerStatuses;
      for (const status of statuses) {
        expect(status.imageID).toMatch(
          /^registry\.example\.com\/vigil-synthetic\/app-\d{3}@sha256:[0-9a-f]{64}$/,
        );
        expect(status.image.split(":")[0]).toBe(status.imageID.split("@")[0]);
      }
    }
    expect(
      of("Pod").filter((p) => (p.status as { initContainerStatuses?: unknown }).initContainerStatuses),
    ).toHaveLength(3);
  });
});

describe("a 10 000-pod cluster", () => {
  let server: RunningKubeApiServer;
  let seedMs: number;
  beforeAll(async () => {
    const objects = syntheticCluster({ pods: 10_000 });
    const started = performance.now();
    server = await startKubeApiServer({ objects });
    seedMs = performance.now() - started;
  });
  afterAll(() => server?.close());

  // Generous bounds: they catch quadratic behaviour, not a slow machine.
  it("seeds in seconds and lists every pod in one request", async () => {
    expect(seedMs).toBeLessThan(20_000);
    const started = performance.now();
    const all = await getJson<List>(server, "/api/v1/pods");
    const ms = performance.now() - started;
    expect(all.body.items).toHaveLength(10_000);
    expect(ms).toBeLessThan(10_000);
  });

  it("pages through all pods with limit=500 like client-go's pager", async () => {
    const started = performance.now();
    let token: string | undefined;
    let count = 0;
    let pages = 0;
    do {
      const page = await getJson<List>(server, `/api/v1/pods?limit=500${token ? `&continue=${token}` : ""}`);
      count += page.body.items.length;
      pages++;
      if (pages === 1) expect(page.body.metadata.remainingItemCount).toBe(9_500);
      token = page.body.metadata.continue;
    } while (token);
    expect([count, pages]).toEqual([10_000, 20]);
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it("selects by label and namespace without scanning other namespaces' keys", async () => {
    const res = await getJson<List>(server, "/api/v1/namespaces/team-003/pods?labelSelector=app%3Dapp-00003");
    expect(res.body.items.map((p) => p.metadata.labels?.app)).toEqual(Array(5).fill("app-00003"));
  });
});
