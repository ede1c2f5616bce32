/**
 * The cluster the fault suite scans, with a fault proxy in front of each thing it reads: the
 * test registry (every pod's image is pulled through the registry proxy) and the test
 * Kubernetes API server (the kubeconfig points at the API proxy).
 *
 * Namespace `shop` runs three Deployments on three real test images: `web` alpine-3.10 and
 * `api` alpine-3.11 (4 findings each under the suite's advisories) and `auth` rpm-bdb (none).
 * Namespace `batch` holds 500 more pods of rpm-bdb, so that the cluster-wide pod list takes two
 * pages (limit 500) and a continue token exists to expire.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { testEnv } from "../../../../../scripts/test-env/env.js";
import { type RunningFaultProxy, startFaultProxy } from "../../../../../scripts/test-env/fault-proxy.js";
import {
  type RunningKubeApiServer,
  startKubeApiServer,
} from "../../../../../scripts/test-env/kube-api/kube-api-server.js";
import type { KubeObject } from "../../../../../scripts/test-env/kube-api/kube-object.js";
import { writeKubeconfig } from "../../../../../scripts/test-env/kube-api/kubeconfig.js";
import { ensureTestTls } from "../../../../../scripts/test-env/registry.js";
import {
  deploymentPod,
  digestOf,
  replicaSet,
} from "../../../../server/src/scans/test-support/cluster-fixtures.js";

/** The image of each `shop` Deployment. */
export const SHOP_IMAGES = { web: "alpine-3.10", api: "alpine-3.11", auth: "rpm-bdb" } as const;

/** Pods in namespace `batch`: with the shop's three, more than one page of 500. */
export const BATCH_PODS = 500;

/** The running cluster and its two proxies. */
export interface FaultCluster {
  readonly api: RunningKubeApiServer;
  readonly registryProxy: RunningFaultProxy;
  readonly apiProxy: RunningFaultProxy;
  /** kubeconfig with context `context`, through the API proxy. */
  readonly kubeconfig: string;
  readonly context: string;
  /** `<registry proxy>/vigil/<tag>`, the repository pods of `tag` run from. */
  repository(tag: string): string;
  close(): Promise<void>;
}

function shopObjects(registry: string): KubeObject[] {
  return Object.entries(SHOP_IMAGES).flatMap(([deployment, tag]) => [
    replicaSet("shop", deployment),
    deploymentPod({
      namespace: "shop",
      deployment,
      pod: `${deployment}-7d4b9c8f5-x2k9p`,
      repository: `${registry}/vigil/${tag}`,
      digest: digestOf(tag),
    }),
  ]);
}

function batchObjects(registry: string): KubeObject[] {
  const pods = Array.from({ length: BATCH_PODS }, (_, i) =>
    deploymentPod({
      namespace: "batch",
      deployment: "filler",
      pod: `filler-7d4b9c8f5-${String(i).padStart(5, "0")}`,
      repository: `${registry}/vigil/rpm-bdb`,
      digest: digestOf("rpm-bdb"),
    }),
  );
  return [replicaSet("batch", "filler"), ...pods];
}

/** Starts the proxies and the API server, and writes the kubeconfig under `dir`. */
export async function startFaultCluster(dir: string, context = "prod-eu"): Promise<FaultCluster> {
  const registryProxy = await startFaultProxy({ upstream: `http://${testEnv().registry}` });
  const api = await startKubeApiServer({
    objects: [...shopObjects(registryProxy.host), ...batchObjects(registryProxy.host)],
  });
  // HTTPS like the API server itself: the Kubernetes client sends a bearer token over TLS only
  const tls = await ensureTestTls();
  const apiProxy = await startFaultProxy({ upstream: api.url, upstreamCaFile: tls.caFile, tls });
  const kubeconfig = writeKubeconfig(
    join(dir, "kubeconfig"),
    { server: apiProxy.url, token: api.token, caPem: readFileSync(tls.caFile, "utf8") },
    { context },
  );
  return {
    api,
    registryProxy,
    apiProxy,
    kubeconfig,
    context,
    repository: (tag) => `${registryProxy.host}/vigil/${tag}`,
    async close() {
      await Promise.all([registryProxy.close(), apiProxy.close(), api.close()]);
    },
  };
}
