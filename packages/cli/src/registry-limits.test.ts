import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../../../scripts/test-env/env.js";
import {
  type RunningKubeApiServer,
  startKubeApiServer,
} from "../../../scripts/test-env/kube-api/kube-api-server.js";
import type { KubeObject } from "../../../scripts/test-env/kube-api/kube-object.js";
import {
  type CountingProxy,
  startCountingProxy,
} from "../../core/src/registry/test-support/counting-proxy.js";
import { SBOM_HELP } from "./commands/sbom.js";
import { SCAN_HELP } from "./commands/scan.js";
import { SCAN_CLUSTER_HELP } from "./commands/scan-cluster.js";
import { SERVE_HELP } from "./commands/serve.js";
import { spawnVigil } from "./test-support/spawn-vigil.js";

// --registry-concurrency and --registry-bandwidth as users pass them: the built bin against the
// real test registry, seen through a counting proxy (what the registry host would see), and
// the test Kubernetes API server for `vigil scan cluster`.
const env = testEnv();
const work = mkdtempSync(join(tmpdir(), "vigil-cli-limits-"));
const SMALL_IMAGES = ["alpine-3.10", "alpine-3.11", "rpm-bdb", "rpm-ndb", "rpm-sqlite", "distroless-deb"];
const expected = (tag: string) =>
  JSON.parse(readFileSync(join(env.expectedDir, `${tag}.json`), "utf8")) as {
    manifestDigest: string;
    layers: { size: number }[];
  };

const vigil = (args: string[]) => spawnVigil(work, args);

const proxies: CountingProxy[] = [];
async function proxy(delayMs?: number): Promise<CountingProxy> {
  const p = await startCountingProxy({ target: env.registry, ...(delayMs ? { delayMs } : {}) });
  proxies.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.stop()));
});

let api: RunningKubeApiServer;
afterAll(async () => {
  await api?.close();
  rmSync(work, { recursive: true, force: true });
});

/** One running pod per small image, pulled through `host`. */
function podsPulledThrough(host: string): KubeObject[] {
  return SMALL_IMAGES.map((tag) => {
    const repository = `${host}/vigil/${tag}`;
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `${tag.replace(".", "-")}-0`, namespace: "shop", labels: {} },
      spec: { serviceAccountName: "default", containers: [{ name: "app", image: `${repository}:latest` }] },
      status: {
        phase: "Running",
        containerStatuses: [
          {
            name: "app",
            image: `${repository}:latest`,
            imageID: `${repository}@${expected(tag).manifestDigest}`,
            ready: true,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: "2025-05-20T00:00:00Z" } },
          },
        ],
      },
    };
  });
}

describe("vigil scan cluster --registry-concurrency", () => {
  let limited: CountingProxy;
  let roomy: CountingProxy;
  let kubeconfig: string;
  beforeAll(async () => {
    limited = await startCountingProxy({ target: env.registry, delayMs: 40 });
    roomy = await startCountingProxy({ target: env.registry, delayMs: 40 });
    api = await startKubeApiServer({
      objects: [...podsPulledThrough(limited.host), ...podsPulledThrough(roomy.host)].map((pod, i) => ({
        ...pod,
        metadata: { ...pod.metadata, namespace: i < SMALL_IMAGES.length ? "limited" : "roomy" },
      })),
    });
    kubeconfig = api.kubeconfig(join(work, "kubeconfig"), { context: "test" });
  });
  afterAll(async () => {
    await limited.stop();
    await roomy.stop();
  });

  it("keeps every image scan of the run within N requests at a registry host", async () => {
    const scan = (namespace: string, n: string) =>
      vigil([
        "scan",
        "cluster",
        "--kubeconfig",
        kubeconfig,
        "--namespace",
        namespace,
        "--no-cache",
        "--concurrency",
        "6",
        "--registry-concurrency",
        n,
        "--format",
        "json",
      ]);
    const one = await scan("limited", "1");
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).clusters[0].summary.scanned).toBe(SMALL_IMAGES.length);
    expect(limited.paths.length).toBeGreaterThanOrEqual(SMALL_IMAGES.length * 3);
    expect(limited.peak).toBe(1);
    // The same run with room: the registry host does see requests at once.
    const eight = await scan("roomy", "8");
    expect(eight.code, eight.stderr).toBe(0);
    expect(roomy.peak).toBeGreaterThan(1);
  });
});

describe("vigil scan image --registry-bandwidth", () => {
  it("pulls no faster than the cap (376 KB at 128KiB/s: ~2.8 s more than uncapped)", async () => {
    const size = expected("rpm-ndb").layers[0]!.size;
    const rate = 128 * 1024;
    const scan = async (...flags: string[]) => {
      // A fresh host each time, so nothing is shared between the runs but the registry.
      const host = await proxy();
      const run = await vigil([
        "scan",
        "image",
        `${host.host}/vigil/rpm-ndb:latest`,
        "--no-cache",
        "--format",
        "json",
        ...flags,
      ]);
      expect(run.code, run.stderr).toBe(0);
      return run.seconds;
    };
    const uncapped = await scan();
    const capped = await scan("--registry-bandwidth", "128KiB/s");
    // Process start-up is in both; the difference is the cap's (less a tenth of a second of burst).
    expect(capped - uncapped).toBeGreaterThanOrEqual(((size - rate / 10) / rate) * 0.75);
  });
});

describe("bad registry limit flags", () => {
  const commands: [string, string[]][] = [
    ["serve", ["serve", "--port", "0", "--no-scans"]],
    ["scan cluster", ["scan", "cluster"]],
    ["scan image", ["scan", "image", `${env.registry}/vigil/minbase:latest`]],
    ["sbom", ["sbom", `${env.registry}/vigil/minbase:latest`]],
  ];
  it.each(commands)("vigil %s names the flag and how to write it, and exits 2", async (_, args) => {
    const bandwidth = await vigil([...args, "--registry-bandwidth", "20MiB/min"]);
    expect(bandwidth.code).toBe(2);
    expect(bandwidth.stderr).toContain('--registry-bandwidth: "20MiB/min" is not a byte rate');
    expect(bandwidth.stderr).toContain("500KiB/s, 20MiB/s or 1GB/s");
    const concurrency = await vigil([...args, "--registry-concurrency", "zero"]);
    expect(concurrency.code).toBe(2);
    expect(concurrency.stderr).toContain(
      '--registry-concurrency must be a whole number from 1 to 256, not "zero"',
    );
  });

  it.each([
    ["serve", SERVE_HELP],
    ["scan cluster", SCAN_CLUSTER_HELP],
    ["scan image", SCAN_HELP],
    ["sbom", SBOM_HELP],
  ])("vigil %s --help documents both flags", (_, help) => {
    expect(help).toContain("--registry-concurrency N   requests in flight per registry host");
    expect(help).toContain("--registry-bandwidth RATE  cap on bytes read per second per registry host");
  });
});
