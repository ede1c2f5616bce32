import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createPullSecretCredentials,
  discoverRunningContainers,
  findCredentials,
  KubernetesApiError,
  KubernetesConnectionError,
  type KubernetesReader,
  ListExpiredError,
} from "@vigil/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeApiRule, KubeApiToken } from "../../../../scripts/test-env/kube-api/authorization.js";
import {
  DEFAULT_KUBE_USER,
  type RunningKubeApiServer,
  startKubeApiServer,
} from "../../../../scripts/test-env/kube-api/kube-api-server.js";
import { realClusterObjects } from "../../../../scripts/test-env/kube-api/real-cluster-seed.js";
import { loadKubeConfig } from "./kube-config.js";
import { createKubernetesClientReader } from "./kubernetes-client-reader.js";

// The adapter against the real-protocol test API server (scripts/test-env/kube-api): HTTPS
// with the test CA from the kubeconfig, bearer tokens, RBAC-like rules, continue tokens over
// resourceVersion snapshots, 410 after compaction, Status errors in the real server's words.

const ADMIN: KubeApiToken = { token: "admin-token-for-discovery-tests", user: "kubernetes-admin" };
const VIGIL: KubeApiToken = { token: "vigil-token-for-discovery-tests", user: DEFAULT_KUBE_USER };
const READ = ["get", "list"];
/** What deploy/rbac.yaml grants, except pods, which only `default` and `kubescape` bind. */
const NAMESPACED_PODS: KubeApiRule[] = [
  { user: ADMIN.user, verbs: ["*"], resources: ["*"] },
  {
    user: VIGIL.user,
    verbs: READ,
    resources: ["pods"],
    apiGroups: [""],
    namespaces: ["default", "kubescape"],
  },
  { user: VIGIL.user, verbs: READ, resources: ["namespaces", "serviceaccounts", "secrets"], apiGroups: [""] },
  { user: VIGIL.user, verbs: READ, resources: ["replicasets"], apiGroups: ["apps"] },
  { user: VIGIL.user, verbs: READ, resources: ["jobs"], apiGroups: ["batch"] },
];
/** As before deploy/rbac.yaml granted list on ReplicaSets and Jobs: get only. */
const OWNERS_BY_GET: KubeApiRule[] = NAMESPACED_PODS.map((r) =>
  r.user === VIGIL.user && (r.resources.includes("replicasets") || r.resources.includes("jobs"))
    ? { ...r, verbs: ["get"] }
    : r,
);

let server: RunningKubeApiServer;
let dir: string;
let admin: KubernetesReader;
let vigil: KubernetesReader;

function readerFor(token: KubeApiToken, name: string): KubernetesReader {
  const path = server.kubeconfig(join(dir, `${name}.yaml`), { context: name, token: token.token });
  return createKubernetesClientReader(loadKubeConfig({ kubeconfigPath: path }).kubeConfig);
}

beforeAll(async () => {
  server = await startKubeApiServer({
    objects: realClusterObjects(),
    tokens: [ADMIN, VIGIL],
    rules: NAMESPACED_PODS,
  });
  dir = mkdtempSync(join(tmpdir(), "vigil-kube-reader-"));
  admin = readerFor(ADMIN, "admin");
  vigil = readerFor(VIGIL, "vigil");
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const podNames = () => server.list("pods").map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

describe("KubernetesReader over @kubernetes/client-node against the test API server", () => {
  it("pages pods with limit and continue, in the server's order", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await admin.listPods({ limit: 4, ...(token ? { continue: token } : {}) });
      seen.push(...page.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
      token = page.metadata?.continue;
      pages++;
    } while (token);
    expect(seen).toEqual(podNames());
    expect(pages).toBe(Math.ceil(podNames().length / 4));
  });

  it("reads pods as the API wrote them: RFC 3339 times, imageIDs, owners", async () => {
    const page = await admin.listPods({
      namespace: "default",
      labelSelector: "pod-template-hash=84f5585d68",
    });
    expect(page.items.map((p) => p.metadata.name)).toEqual(["nginx-84f5585d68-42mxd"]);
    const pod = page.items[0]!;
    expect(pod.metadata.ownerReferences).toEqual([
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: "nginx-84f5585d68",
        uid: "1747930a-61ba-4ee1-b1a9-838af6cb094d",
        controller: true,
      },
    ]);
    expect(pod.status?.startTime).toBe("2023-03-26T09:10:32Z");
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({
      imageID:
        "docker-pullable://nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
      state: { running: { startedAt: "2023-03-26T09:10:35Z" } },
    });
  });

  it("gives the same discovery in pages of 3 as in one page", async () => {
    const whole = await discoverRunningContainers({ reader: admin, clusterId: "test" });
    const paged = await discoverRunningContainers({ reader: admin, clusterId: "test", pageSize: 3 });
    expect(whole.status).toBe("complete");
    expect(
      whole.containers.map(
        (c) =>
          `${c.namespace}/${c.pod} ${c.containerType}:${c.containerName} -> ${c.workload.kind}/${c.workload.name}`,
      ),
    ).toEqual([
      "default/hurry-up-and-wait init:init-sleep -> Pod/hurry-up-and-wait",
      "default/hurry-up-and-wait container:busy -> Pod/hurry-up-and-wait",
      "default/nginx init:ic1 -> Pod/nginx",
      "default/nginx container:nginx -> Pod/nginx",
      "default/nginx-7fb78fb6d8-2w75j container:nginx -> Deployment/nginx",
      "default/nginx-84f5585d68-42mxd container:nginx -> Deployment/nginx",
      "default/nginx-job-88b9z container:nginx-job -> Job/nginx-job",
      "default/sleep init:init -> Pod/sleep",
      "default/sleep init:sidecar -> Pod/sleep",
      "default/sleep container:sleep -> Pod/sleep",
      "default/web-0 container:nginx -> StatefulSet/web",
      "kube-system/cilium-operator-55658fb5c4-rxtnl container:cilium-operator -> Deployment/cilium-operator",
      "kubescape/node-agent-4l822 container:node-agent -> DaemonSet/node-agent",
    ]);
    // The seeded default ServiceAccount names myregistrykey (Trivy Operator's fixture).
    expect(whole.containers.find((c) => c.pod === "web-0")).toMatchObject({
      pullReference:
        "registry.k8s.io/nginx-slim@sha256:0e3657b75574b38c98c9ea0cc5a90a24352515b0237035fa61dadd457fe4b426",
      startedAt: "2025-01-16T06:36:02Z",
      pullSecrets: [{ namespace: "default", name: "myregistrykey" }],
    });
    expect(whole.skipped.map((c) => `${c.pod} ${c.container} ${c.reason}`)).toEqual([
      "hello-28686821-dj5bf hello pod-finished",
      "nginx-84f5585d68-42mxd bla no-status",
      "nginx-84f5585d68-42mxd abc no-status",
      "kubevuln-scheduler-28677846-pdblz kubevuln-scheduler pod-finished",
    ]);
    expect(paged).toEqual(whole);
  });

  it("fails only the namespace the account may not list, with the server's words", async () => {
    const result = await discoverRunningContainers({
      reader: vigil,
      clusterId: "test",
      namespaces: ["default", "kube-system", "kubescape"],
    });
    expect(result.status).toBe("partial");
    expect(result.failures.map((f) => [f.scope, f.namespace, f.reason])).toEqual([
      [
        "namespace",
        "kube-system",
        'cannot list pods in namespace "kube-system": pods is forbidden: User "system:serviceaccount:vigil:vigil" ' +
          'cannot list resource "pods" in API group "" in the namespace "kube-system". ' +
          "Grant list on pods in this namespace (bind the ClusterRole in deploy/rbac.yaml)",
      ],
    ]);
    expect(result.failures[0]!.cause).toMatchObject({
      status: 403,
      reason: "Forbidden",
      verb: "list",
      resource: "pods",
    });
    expect(new Set(result.containers.map((c) => c.namespace))).toEqual(new Set(["default", "kubescape"]));
  });

  it("lists namespace by namespace without cluster-wide list pods, and fails naming the manifest without list namespaces", async () => {
    const result = await discoverRunningContainers({ reader: vigil, clusterId: "test" });
    expect(result.status).toBe("partial");
    expect(result.issues.map((i) => i.code)).toContain("pods-listed-per-namespace");
    // The seeded namespaces without a pods grant fail each on its own.
    expect(
      result.failures.map((f) => `${f.scope} ${f.namespace} ${(f.cause as KubernetesApiError).status}`),
    ).toEqual(["icx", "kube-system"].map((ns) => `namespace ${ns} 403`));
    expect(new Set(result.containers.map((c) => c.namespace))).toEqual(new Set(["default", "kubescape"]));

    server.setRules(
      NAMESPACED_PODS.map((r) =>
        r.user === VIGIL.user ? { ...r, resources: r.resources.filter((x) => x !== "namespaces") } : r,
      ),
    );
    try {
      const failed = await discoverRunningContainers({ reader: vigil, clusterId: "test" });
      expect(failed.status).toBe("failed");
      expect(failed.failures.map((f) => f.reason)).toEqual([
        'cannot list pods cluster-wide: pods is forbidden: User "system:serviceaccount:vigil:vigil" cannot list ' +
          'resource "pods" in API group "" at the cluster scope; cannot list namespaces either, to list pods ' +
          'namespace by namespace: namespaces is forbidden: User "system:serviceaccount:vigil:vigil" cannot list ' +
          'resource "namespaces" in API group "" at the cluster scope. Grant list on pods and list on namespaces ' +
          "cluster-wide (bind the ClusterRole in deploy/rbac.yaml)",
      ]);
    } finally {
      server.setRules(NAMESPACED_PODS);
    }
  });

  it("sends every request of a discovery over a few kept-alive connections", async () => {
    const reader = readerFor(ADMIN, "keep-alive");
    const requestsBefore = server.requests.length;
    const connectionsBefore = server.connections;
    // Pages of one pod, then the owners, service accounts and secrets: dozens of requests, up
    // to 8 at a time (discovery's default concurrency).
    const result = await discoverRunningContainers({ reader, clusterId: "test", pageSize: 1 });
    expect(result.status).toBe("complete");
    const requests = server.requests.length - requestsBefore;
    const connections = server.connections - connectionsBefore;
    expect(requests).toBeGreaterThan(podNames().length);
    expect(connections).toBeGreaterThanOrEqual(1);
    expect(connections).toBeLessThanOrEqual(8);

    // One request at a time: one connection for all of them.
    const sequentialBefore = server.connections;
    const { name, namespace } = server.list("replicasets")[0]!.metadata as {
      name: string;
      namespace: string;
    };
    for (let i = 0; i < 20; i++) await reader.getReplicaSet({ namespace, name });
    expect(server.connections - sequentialBefore).toBeLessThanOrEqual(1);
  });

  it("lists a namespace's ReplicaSets and Jobs page by page, trimmed to their metadata", async () => {
    for (const [kind, list] of [
      [
        "replicasets",
        (o: { namespace: string; limit: number; continue?: string }) => admin.listReplicaSets(o),
      ],
      ["jobs", (o: { namespace: string; limit: number; continue?: string }) => admin.listJobs(o)],
    ] as const) {
      const names: string[] = [];
      const items: unknown[] = [];
      let token: string | undefined;
      do {
        const page = await list({ namespace: "default", limit: 1, ...(token ? { continue: token } : {}) });
        names.push(...page.items.map((o) => o.metadata.name ?? ""));
        items.push(...page.items);
        token = page.metadata?.continue;
      } while (token);
      const stored = server.list(kind, "default");
      expect(stored.length).toBeGreaterThan(0);
      expect(names).toEqual(stored.map((o) => o.metadata.name));
      for (const item of items) {
        expect(Object.keys(item as object)).toEqual(["metadata"]);
        for (const ref of (item as { metadata: { ownerReferences?: object[] } }).metadata.ownerReferences ??
          []) {
          expect(ref).not.toHaveProperty("blockOwnerDeletion");
        }
      }
    }
    const nginxPv = (await admin.listReplicaSets({ namespace: "default" })).items.find(
      (rs) => rs.metadata.name === "nginx-pv-6476d7d5c8",
    );
    expect(nginxPv?.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "nginx-pv",
        controller: true,
      }),
    ]);
  });

  it("reads owners with one list per namespace, naming the workloads gets name; with get only, gets and an info issue", async () => {
    // The seed lacks the owners of its pods (deleted owners, 404): add them for this test.
    const owner = (kind: string, name: string, uid: string) => [
      { apiVersion: kind === "Job" ? "batch/v1" : "apps/v1", kind, name, uid, controller: true },
    ];
    const added = [
      ["default", "nginx-7fb78fb6d8", "nginx"],
      ["default", "nginx-84f5585d68", "nginx"],
      ["kube-system", "cilium-operator-55658fb5c4", "cilium-operator"],
    ].map(([namespace, name, deployment]) =>
      server.add({
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: { namespace, name, ownerReferences: owner("Deployment", deployment!, `uid-${deployment}`) },
      }),
    );
    added.push(
      server.add({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { namespace: "default", name: "nginx-job" },
      }),
    );
    try {
      await ownersByListOrGet();
    } finally {
      for (const o of added) server.remove(o.kind as string, o.metadata.namespace, o.metadata.name as string);
    }
  });

  async function ownersByListOrGet(): Promise<void> {
    const byGet = await discoverRunningContainers({
      reader: admin,
      clusterId: "test",
      ownerListThreshold: Number.POSITIVE_INFINITY,
    });
    const ownerRequests = (from: number) =>
      server.requests
        .slice(from)
        .map((r) => r.path)
        .filter((path) => /\/(replicasets|jobs)(\/|$)/.test(path))
        .sort();

    const mark = server.requests.length;
    expect(byGet.issues.filter((i) => i.code.startsWith("owner-"))).toEqual([]);
    const byList = await discoverRunningContainers({
      reader: admin,
      clusterId: "test",
      ownerListThreshold: 1,
    });
    expect(ownerRequests(mark)).toEqual([
      "/apis/apps/v1/namespaces/default/replicasets",
      "/apis/apps/v1/namespaces/kube-system/replicasets",
      "/apis/batch/v1/namespaces/default/jobs",
    ]);
    expect(byList).toEqual(byGet);

    server.setRules(OWNERS_BY_GET);
    try {
      const getOnlyMark = server.requests.length;
      const fallback = await discoverRunningContainers({
        reader: vigil,
        clusterId: "test",
        namespaces: ["default"],
        ownerListThreshold: 1,
      });
      expect(fallback.containers).toEqual(byGet.containers.filter((c) => c.namespace === "default"));
      expect(ownerRequests(getOnlyMark)).toEqual([
        "/apis/apps/v1/namespaces/default/replicasets",
        "/apis/apps/v1/namespaces/default/replicasets/nginx-7fb78fb6d8",
        "/apis/apps/v1/namespaces/default/replicasets/nginx-84f5585d68",
        "/apis/batch/v1/namespaces/default/jobs",
        "/apis/batch/v1/namespaces/default/jobs/nginx-job",
      ]);
      const denied = (plural: string, group: string) =>
        `${plural}.${group} is forbidden: User "system:serviceaccount:vigil:vigil" cannot list resource ` +
        `"${plural}" in API group "${group}" in the namespace "default"`;
      expect(
        fallback.issues.filter((i) => i.code === "owner-list-failed").map((i) => [i.severity, i.message]),
      ).toEqual([
        [
          "info",
          `Cannot list Jobs in namespace "default" (403 Forbidden: ${denied("jobs", "batch")}); read the 1 ` +
            "its pods name one by one instead. Grant list on jobs.batch (the ClusterRole in deploy/rbac.yaml) " +
            "to read them with one list.",
        ],
        [
          "info",
          `Cannot list ReplicaSets in namespace "default" (403 Forbidden: ${denied("replicasets", "apps")}); ` +
            "read the 2 its pods name one by one instead. Grant list on replicasets.apps (the ClusterRole in " +
            "deploy/rbac.yaml) to read them with one list.",
        ],
      ]);
    } finally {
      server.setRules(NAMESPACED_PODS);
    }
  }

  it("answers an expired continue token with a 410 KubernetesApiError", async () => {
    const first = await admin.listPods({ limit: 2 });
    server.add({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "bump-410-a", namespace: "default" },
    });
    server.compact();
    const error = await admin
      .listPods({ limit: 2, continue: first.metadata!.continue! })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ status: 410, reason: "Expired", verb: "list", resource: "pods" });
    expect((error as KubernetesApiError).serverMessage).toMatch(
      /^The provided continue parameter is too old/,
    );
  });

  it("restarts a listing once from scratch after a 410, then fails clearly if it expires again", async () => {
    const whole = await discoverRunningContainers({ reader: admin, clusterId: "test" });
    let compactions = 0;
    /** Compacts the store right after the first page of a listing, `times` times. */
    const compacting = (times: number): KubernetesReader => ({
      ...admin,
      async listPods(options) {
        const page = await admin.listPods(options);
        if (options.continue === undefined && compactions < times) {
          compactions++;
          server.add({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: `bump-${times}-${compactions}`, namespace: "default" },
          });
          server.compact();
        }
        return page;
      },
    });
    const restarted = await discoverRunningContainers({
      reader: compacting(1),
      clusterId: "test",
      pageSize: 4,
    });
    expect(compactions).toBe(1);
    expect(restarted).toEqual(whole);

    compactions = 0;
    const failed = await discoverRunningContainers({ reader: compacting(2), clusterId: "test", pageSize: 4 });
    expect(failed.status).toBe("failed");
    expect(failed.failures[0]!.cause).toBeInstanceOf(ListExpiredError);
    expect(failed.failures[0]!.reason).toMatch(
      /^cannot list pods cluster-wide: The list of pods of all namespaces expired twice while its pages were read \(410 Expired: /,
    );
  });

  it("reads pull secrets with get and turns them into credentials; a forbidden one is an issue", async () => {
    const credentials = createPullSecretCredentials({ reader: admin });
    const found = await credentials.credentialsFor({
      pullSecrets: [
        { namespace: "default", name: "regcred" },
        { namespace: "default", name: "hack-dockerconfig" },
      ],
    });
    expect(found.issues).toEqual([]);
    expect(findCredentials(found.config!, "quay.io")).toEqual({ username: "user", password: "Admin12345" });
    expect(findCredentials(found.config!, "foo.example.com")).toEqual({ username: "foo", password: "bar" });

    server.setRules(NAMESPACED_PODS.filter((r) => !r.resources.includes("secrets")));
    try {
      const denied = await createPullSecretCredentials({ reader: vigil }).credentialsFor({
        pullSecrets: [{ namespace: "default", name: "regcred" }],
      });
      expect(denied.config).toBeUndefined();
      expect(denied.issues.map((i) => i.message)).toEqual([
        'Cannot get Secret default/regcred (403 Forbidden: secrets "regcred" is forbidden: User ' +
          '"system:serviceaccount:vigil:vigil" cannot get resource "secrets" in API group "" in the namespace ' +
          '"default"); images are pulled without it. Grant get on the pull secrets (the ClusterRole in ' +
          "deploy/rbac.yaml) to use them.",
      ]);
      expect(JSON.stringify(denied.issues)).not.toContain("Admin12345");
    } finally {
      server.setRules(NAMESPACED_PODS);
    }
  });

  it("maps a missing object to 404 and a refused token to 401, which discovery throws", async () => {
    await expect(admin.getReplicaSet({ namespace: "default", name: "nope" })).rejects.toMatchObject({
      status: 404,
      reason: "NotFound",
      resource: "replicasets.apps",
      serverMessage: 'replicasets.apps "nope" not found',
    });
    const stranger = readerFor({ token: "not-a-known-token", user: "nobody" }, "stranger");
    await expect(discoverRunningContainers({ reader: stranger, clusterId: "test" })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("reports an unreachable server as a KubernetesConnectionError and honours cancellation", async () => {
    const loaded = loadKubeConfig({ kubeconfigPath: join(dir, "admin.yaml") });
    const cluster = loaded.kubeConfig.getCurrentCluster()!;
    loaded.kubeConfig.clusters = [{ ...cluster, server: "https://127.0.0.1:1" }];
    const unreachable = createKubernetesClientReader(loaded.kubeConfig);
    const error = await unreachable.listNamespaces().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesConnectionError);
    expect((error as Error).message).toMatch(
      /^Cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:1: /,
    );

    const controller = new AbortController();
    controller.abort(new Error("scan cancelled"));
    await expect(admin.listPods({ signal: controller.signal })).rejects.toThrow("scan cancelled");
  });
});
