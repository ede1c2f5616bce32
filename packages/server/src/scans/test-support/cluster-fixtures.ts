/**
 * Builders for the scan runtime's end-to-end tests: pods that run the real test images (from
 * the test registries of scripts/test-env), the test Kubernetes API server with a kubeconfig
 * for it, OSV advisories written through the advisory store, a settable clock and counting ids.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubernetesReader, OsvRecord } from "@vigil/core";
import { testEnv } from "../../../../../scripts/test-env/env.js";
import type { KubeApiRule } from "../../../../../scripts/test-env/kube-api/authorization.js";
import {
  type RunningKubeApiServer,
  startKubeApiServer,
} from "../../../../../scripts/test-env/kube-api/kube-api-server.js";
import type { KubeObject } from "../../../../../scripts/test-env/kube-api/kube-object.js";
import type { AdvisoryStore } from "../../db/advisory-store.js";
import { advisoryItems, osv, syncOf } from "../../db/test-support/sync-fixtures.js";
import { loadKubeConfig } from "../../kube/kube-config.js";
import { createKubernetesClientReader } from "../../kube/kubernetes-client-reader.js";
import type { ClusterInput, ClusterRecord } from "../../store/cluster-repository.js";

/** When every test pod's containers started. */
export const STARTED = "2023-03-01T08:00:00.000Z";

/** The manifest digest of a test image tag. */
export function digestOf(tag: string): string {
  const { expectedDir } = testEnv();
  return JSON.parse(readFileSync(join(expectedDir, `${tag}.json`), "utf8")).manifestDigest as string;
}

/** Options of {@link deploymentPod}. */
export interface PodFixture {
  readonly namespace: string;
  /** The Deployment (through a ReplicaSet `<deployment>-7d4b9c8f5`). */
  readonly deployment: string;
  readonly pod: string;
  /** Repository without tag or digest, e.g. `127.0.0.1:5000/vigil/alpine-3.11`. */
  readonly repository: string;
  readonly digest: string;
  readonly startedAt?: string;
  readonly pullSecret?: string;
}

/** A ReplicaSet owned by Deployment `deployment`, so that findings name the Deployment. */
export function replicaSet(namespace: string, deployment: string): KubeObject {
  const name = `${deployment}-7d4b9c8f5`;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace,
      uid: `uid-${name}`,
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: deployment,
          uid: `uid-${deployment}`,
          controller: true,
        },
      ],
    },
    spec: {},
  };
}

/** A running pod of a Deployment with one container `app` running `repository@digest`. */
export function deploymentPod(options: PodFixture): KubeObject {
  const started = options.startedAt ?? STARTED;
  const rs = `${options.deployment}-7d4b9c8f5`;
  const image = `${options.repository}:latest`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: options.pod,
      namespace: options.namespace,
      labels: { app: options.deployment },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: rs, uid: `uid-${rs}`, controller: true },
      ],
    },
    spec: {
      serviceAccountName: "default",
      ...(options.pullSecret ? { imagePullSecrets: [{ name: options.pullSecret }] } : {}),
      containers: [{ name: "app", image }],
    },
    status: {
      phase: "Running",
      startTime: started,
      containerStatuses: [
        {
          name: "app",
          image,
          imageID: `${options.repository}@${options.digest}`,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: started } },
          containerID: `containerd://app-${options.pod}`,
        },
      ],
    },
  };
}

/**
 * The pod of a Deployment in namespace `shop` (`web` unless `fields` name another, its pod
 * `<deployment>-7d4b9c8f5-x2k9p`) running alpine-3.10 from the test registry unless `fields`
 * say otherwise.
 */
export function shopPod(fields: Partial<PodFixture> = {}): KubeObject {
  const deployment = fields.deployment ?? "web";
  return deploymentPod({
    namespace: "shop",
    deployment,
    pod: `${deployment}-7d4b9c8f5-x2k9p`,
    repository: `${testEnv().registry}/vigil/alpine-3.10`,
    digest: digestOf("alpine-3.10"),
    ...fields,
  });
}

/** A Deployment in namespace `shop` as the API server holds it: its ReplicaSet and {@link shopPod}. */
export function shopDeployment(fields: Partial<PodFixture> = {}): KubeObject[] {
  return [replicaSet("shop", fields.deployment ?? "web"), shopPod(fields)];
}

/**
 * billing/api running alpine-3.11 from the auth registry, which only its pull secret `regcred`
 * (a docker config with the registry's credentials) unlocks: the Secret, the ReplicaSet and the pod.
 */
export function billingDeploymentWithPullSecret(): KubeObject[] {
  const env = testEnv();
  const auth = Buffer.from(`${env.registryUser}:${env.registryPassword}`).toString("base64");
  return [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "regcred", namespace: "billing" },
      type: "kubernetes.io/dockerconfigjson",
      data: {
        ".dockerconfigjson": Buffer.from(
          JSON.stringify({ auths: { [env.authRegistry]: { auth } } }),
        ).toString("base64"),
      },
    },
    replicaSet("billing", "api"),
    deploymentPod({
      namespace: "billing",
      deployment: "api",
      pod: "api-7d4b9c8f5-q8w2e",
      repository: `${env.authRegistry}/vigil/alpine-3.11`,
      digest: digestOf("alpine-3.11"),
      pullSecret: "regcred",
    }),
  ];
}

/** The test Kubernetes API server, a kubeconfig for it and a temporary directory to work in. */
export interface TestCluster {
  readonly api: RunningKubeApiServer;
  /** The temporary directory (holds the kubeconfig; the tests put caches and files here too). */
  readonly dir: string;
  /** The kubeconfig's path; its one context is named `context` (`prod-eu` by default). */
  readonly kubeconfig: string;
  /** Closes the API server and removes the directory. */
  close(): Promise<void>;
}

/**
 * Starts the test Kubernetes API server holding `objects` (shop/web running alpine-3.10 unless
 * given), under `rules` if any, with a kubeconfig for it in a new temporary directory.
 */
export async function startTestCluster(options: {
  /** Prefix of the temporary directory's name, e.g. `vigil-scan-runner-`. */
  readonly tmpPrefix: string;
  readonly objects?: KubeObject[];
  readonly rules?: readonly KubeApiRule[];
  readonly context?: string;
}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), options.tmpPrefix));
  const api = await startKubeApiServer({
    objects: options.objects ?? shopDeployment(),
    ...(options.rules ? { rules: options.rules } : {}),
  });
  const kubeconfig = api.kubeconfig(join(dir, "kubeconfig"), { context: options.context ?? "prod-eu" });
  return {
    api,
    dir,
    kubeconfig,
    async close() {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A cluster read through context `context` (`prod-eu`, the test cluster's) of the kubeconfig. */
export function kubeconfigCluster(id: string, createdAt: string, context = "prod-eu"): ClusterInput {
  return { id, name: id, connectionKind: "kubeconfig", kubeconfigContext: context, createdAt };
}

/** A Kubernetes reader for a cluster's context in `kubeconfigPath` (what the server does). */
export function kubeFrom(kubeconfigPath: string): (cluster: ClusterRecord) => KubernetesReader {
  return (cluster) =>
    createKubernetesClientReader(
      loadKubeConfig({
        kubeconfigPath,
        ...(cluster.kubeconfigContext ? { context: cluster.kubeconfigContext } : {}),
      }).kubeConfig,
    );
}

/**
 * A reader whose pod lists wait until the call's signal aborts: a scan that stays `running`
 * until it is cancelled or interrupted.
 */
export function hangingReader(): KubernetesReader & { readonly calls: () => number } {
  let calls = 0;
  const wait = (signal?: AbortSignal): Promise<never> =>
    new Promise((_, reject) => {
      calls++;
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  return {
    calls: () => calls,
    listPods: (o) => wait(o.signal),
    listNamespaces: (o = {}) => wait(o.signal),
    getServiceAccount: (o) => wait(o.signal),
    getSecret: (o) => wait(o.signal),
    getReplicaSet: (o) => wait(o.signal),
    getJob: (o) => wait(o.signal),
    listReplicaSets: (o: { signal?: AbortSignal }) => wait(o.signal),
    listJobs: (o: { signal?: AbortSignal }) => wait(o.signal),
  } as KubernetesReader & { readonly calls: () => number };
}

/** Writes `records` as a snapshot of source `name` (replacing what that source had). */
export async function writeAdvisories(
  advisories: AdvisoryStore,
  records: readonly OsvRecord[],
  options: { readonly source?: string; readonly now?: string } = {},
): Promise<void> {
  await advisories.applySync({
    source: { name: options.source ?? "osv", version: 1 },
    result: syncOf(advisoryItems(records)),
    now: options.now ?? "2024-06-01T00:00:00.000Z",
  });
}

/** openssl (libcrypto1.1, libssl1.1) in Alpine 3.10 and 3.11, fixed in 1.1.1z-r0: survives the upgrade. */
export const OPENSSL_CVE = osv("CVE-2099-0001", {
  affected: [
    ["Alpine:v3.10", "openssl", "1.1.1z-r0"],
    ["Alpine:v3.11", "openssl", "1.1.1z-r0"],
  ],
});

/** musl (musl, musl-utils) in Alpine 3.10, fixed in 1.1.24-r0: gone in alpine-3.11 (1.1.24-r2). */
export const MUSL_CVE = osv("CVE-2099-0002", {
  affected: [
    ["Alpine:v3.10", "musl", "1.1.24-r0"],
    ["Alpine:v3.11", "musl", "1.1.24-r0"],
  ],
});

/** busybox (busybox, ssl_client) in Alpine 3.11, fixed in 1.31.1-r10. */
export const BUSYBOX_CVE = osv("CVE-2099-0003", {
  affected: [["Alpine:v3.11", "busybox", "1.31.1-r10"]],
});

/** A clock that stands still until moved. */
export function settableClock(start = "2024-06-03T10:00:00.000Z") {
  let now = new Date(start);
  return {
    now: () => now,
    set(at: string | Date) {
      now = new Date(at);
    },
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

/** Ids `<prefix>-1`, `<prefix>-2`, … */
export function countingIds(prefix = "id"): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}
