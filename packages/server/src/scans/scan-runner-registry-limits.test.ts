import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRegistryLimits } from "@vigil/core";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import {
  type RunningKubeApiServer,
  startKubeApiServer,
} from "../../../../scripts/test-env/kube-api/kube-api-server.js";
import {
  type CountingProxy,
  startCountingProxy,
} from "../../../core/src/registry/test-support/counting-proxy.js";
import { DIALECTS, useTestDatabase } from "../db/test-support/test-databases.js";
import { createScanRunner, type ScanRunner } from "./scan-runner.js";
import { createScanStores } from "./scan-stores.js";
import {
  countingIds,
  deploymentPod,
  digestOf,
  kubeFrom,
  replicaSet,
  settableClock,
} from "./test-support/cluster-fixtures.js";

// The runner's registry limits are the process's: two cluster scans running at once share
// one registry host's permits (seen by a counting proxy in front of the real test registry),
// they do not get N each.
const env = testEnv();
const T0 = "2024-06-03T10:00:00.000Z";
const IMAGES = {
  a: ["alpine-3.10", "rpm-bdb", "rpm-ndb"],
  b: ["alpine-3.11", "rpm-sqlite", "distroless-deb"],
} as const;

describe.each(DIALECTS)("the scan runner's registry limits on %s", (dialect) => {
  const database = useTestDatabase(dialect);
  let dir: string;
  let proxy: CountingProxy;
  const apis: RunningKubeApiServer[] = [];
  const runners: ScanRunner[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-runner-limits-"));
    proxy = await startCountingProxy({ target: env.registry, delayMs: 40 });
  });

  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    for (const api of apis.splice(0)) await api.close();
    await proxy.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A cluster whose pods run `tags`, pulled through the proxy; returns its kubeconfig. */
  async function cluster(id: "a" | "b"): Promise<string> {
    const api = await startKubeApiServer({
      objects: IMAGES[id].flatMap((tag, i) => [
        replicaSet("shop", `app${i}`),
        deploymentPod({
          namespace: "shop",
          deployment: `app${i}`,
          pod: `app${i}-7d4b9c8f5-x2k9p`,
          repository: `${proxy.host}/vigil/${tag}`,
          digest: digestOf(tag),
        }),
      ]),
    });
    apis.push(api);
    const kubeconfig = api.kubeconfig(join(dir, `kubeconfig-${id}`), { context: id });
    await createScanStores(database.current.db).clusters.upsert({
      id,
      name: id,
      connectionKind: "kubeconfig",
      kubeconfigContext: id,
      createdAt: T0,
    });
    return kubeconfig;
  }

  it("two cluster scans at once never have more than N requests at one registry host together", async () => {
    const kubeconfigs = { a: await cluster("a"), b: await cluster("b") };
    const runner = createScanRunner({
      database: database.current,
      kube: (c) => kubeFrom(kubeconfigs[c.id as "a" | "b"])(c),
      clock: settableClock(T0),
      ids: countingIds("limits"),
      concurrency: { scans: 2, imagesPerScan: 3 },
      registry: { registryLimits: createRegistryLimits({ concurrencyPerHost: 1 }) },
      logger: pino({ level: "silent" }),
    });
    runners.push(runner);
    const scans = await Promise.all(
      (["a", "b"] as const).map((clusterId) =>
        runner.start({ clusterId, scope: { namespaces: ["shop"] }, trigger: "manual" }),
      ),
    );
    const finished = await Promise.all(scans.map((s) => runner.finished(s.id)));
    expect(finished.map((s) => s?.status)).toEqual(["complete", "complete"]);
    // Both scans pulled through the proxy, at the same time, one request at a time.
    const pulledBy = (id: "a" | "b") =>
      proxy.spans.filter((_, i) => IMAGES[id].some((tag) => proxy.paths[i]!.startsWith(`/v2/vigil/${tag}/`)));
    const a = pulledBy("a");
    const b = pulledBy("b");
    expect([a.length, b.length]).toEqual([9, 9]);
    const window = (spans: typeof a) => [
      Math.min(...spans.map((s) => s.start)),
      Math.max(...spans.map((s) => s.end)),
    ];
    const [aStart, aEnd] = window(a);
    const [bStart, bEnd] = window(b);
    expect(aStart! < bEnd! && bStart! < aEnd!).toBe(true);
    expect(proxy.peak).toBe(1);
  });
});
