import { describe, expect, it } from "vitest";
import type { RunningContainer } from "../model/running-container.js";
import { type DiscoverOptions, discoverRunningContainers } from "./discover-running-containers.js";
import { KubernetesApiError } from "./kubernetes-api-error.js";
import type { KubePod, KubeReplicaSet, KubeServiceAccount } from "./kubernetes-objects.js";
import { ListExpiredError } from "./list-all-pages.js";
import { allPods, pod, readTestdata } from "./test-support/fixtures.js";
import {
  createInMemoryKubernetesReader,
  expired,
  forbidden,
  type InMemoryKubernetesOptions,
  unauthorized,
} from "./test-support/in-memory-kubernetes-reader.js";
import { mutableCopy } from "./test-support/mutable.js";

// Owners and service accounts the fixture pods point to. The upstream collection has no
// ReplicaSet for nginx-84f5585d68, so this small one stands for it; cilium's ReplicaSet and
// the Job nginx-job are deliberately absent (deleted owners: 404).
const nginxReplicaSet: KubeReplicaSet = {
  metadata: {
    name: "nginx-84f5585d68",
    namespace: "default",
    ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "nginx", controller: true }],
  },
};
const defaultAccount = readTestdata<KubeServiceAccount>(
  "trivy-operator/pkg/kube/testdata/fixture/sa_with_image_pull_secret.json",
);
const accounts: KubeServiceAccount[] = [
  defaultAccount,
  { metadata: { namespace: "kubescape", name: "node-agent" } },
  { metadata: { namespace: "kubescape", name: "default" } },
  { metadata: { namespace: "kube-system", name: "cilium-operator" } },
];

function cluster(extra: Partial<InMemoryKubernetesOptions> = {}) {
  return createInMemoryKubernetesReader({
    pods: allPods(),
    replicaSets: [nginxReplicaSet],
    serviceAccounts: accounts,
    ...extra,
  });
}

function discover(options: Partial<DiscoverOptions> & Pick<DiscoverOptions, "reader">) {
  return discoverRunningContainers({ clusterId: "kind-test", ...options });
}

/** `namespace/pod type:name -> workload kind/name pullReference` for compact tables. */
function row(c: RunningContainer): string {
  return `${c.namespace}/${c.pod} ${c.containerType}:${c.containerName} -> ${c.workload.kind}/${c.workload.name} ${c.pullReference}`;
}

describe("discoverRunningContainers over the fixture pods", () => {
  it("reports every running container (init that ran, sidecars, regular) with its workload and pull reference", async () => {
    const result = await discover({ reader: cluster() });
    expect(result.status).toBe("complete");
    expect(result.failures).toEqual([]);
    expect(result.containers.map(row)).toEqual([
      "default/nginx init:ic1 -> Pod/nginx docker.io/library/nginx@sha256:482ead44b2203fa32b3390abdaf97cbdc8ad15c07fb03a3e68d7c35a19ad7595",
      "default/nginx container:nginx -> Pod/nginx docker.io/library/nginx@sha256:482ead44b2203fa32b3390abdaf97cbdc8ad15c07fb03a3e68d7c35a19ad7595",
      "default/nginx-84f5585d68-42mxd container:nginx -> Deployment/nginx docker.io/library/nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
      "default/nginx-job-88b9z container:nginx-job -> Job/nginx-job docker.io/library/nginx@sha256:f4e3b6489888647ce1834b601c6c06b9f8c03dee6e097e13ed3e28c01ea3ac8c",
      "default/sleep init:init -> Pod/sleep docker.io/istio/base@sha256:61673929bc39a86dca7d978b27fc632d3e590bc59cd8b2f386408751d007c91e",
      "default/sleep init:sidecar -> Pod/sleep docker.io/istio/base@sha256:61673929bc39a86dca7d978b27fc632d3e590bc59cd8b2f386408751d007c91e",
      "default/sleep container:sleep -> Pod/sleep docker.io/istio/base@sha256:61673929bc39a86dca7d978b27fc632d3e590bc59cd8b2f386408751d007c91e",
      "default/web-0 container:nginx -> StatefulSet/web registry.k8s.io/nginx-slim@sha256:0e3657b75574b38c98c9ea0cc5a90a24352515b0237035fa61dadd457fe4b426",
      "kube-system/cilium-operator-55658fb5c4-rxtnl container:cilium-operator -> Deployment/cilium-operator docker.io/cilium/operator@sha256:bcf273e7af15e7a0c9eb8df2f87fc81fe56323217ec8b2b35cd9cd5115920055",
      "kubescape/node-agent-4l822 container:node-agent -> DaemonSet/node-agent quay.io/kubescape/node-agent@sha256:09ee5c4e4833807cd63a726707a06cd9d4f69ed9b935b3651f541197df83ff1b",
    ]);
    expect(result.stats).toEqual({ namespaces: 3, pods: 9, containers: 10, skipped: 4 });
  });

  it("fills every field of a RunningContainer", async () => {
    const result = await discover({ reader: cluster() });
    expect(result.containers.find((c) => c.pod === "nginx-84f5585d68-42mxd")).toEqual({
      clusterId: "kind-test",
      namespace: "default",
      pod: "nginx-84f5585d68-42mxd",
      podUid: "fa771236-d117-453c-b5dc-af14127cc648",
      workload: { kind: "Deployment", name: "nginx", namespace: "default", apiVersion: "apps/v1" },
      containerName: "nginx",
      containerType: "container",
      image: "nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
      imageId:
        "docker-pullable://nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
      digest: "sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
      pullReference:
        "docker.io/library/nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
      startedAt: "2023-03-26T09:10:35Z",
      nodeName: "minikube",
      pullSecrets: [{ namespace: "default", name: "myregistrykey" }],
    } satisfies RunningContainer);
  });

  it("lists skipped containers with reasons: finished pods, containers without status", async () => {
    const result = await discover({ reader: cluster() });
    expect(
      result.skipped.map((s) => `${s.namespace}/${s.pod} ${s.containerType}:${s.container} ${s.reason}`),
    ).toEqual([
      "default/hello-28686821-dj5bf container:hello pod-finished",
      "default/nginx-84f5585d68-42mxd init:bla no-status",
      "default/nginx-84f5585d68-42mxd ephemeral:abc no-status",
      "kubescape/kubevuln-scheduler-28677846-pdblz container:kubevuln-scheduler pod-finished",
    ]);
    const finished = result.skipped[0]!;
    expect(finished.message).toBe("The pod has finished (phase Succeeded); nothing of it runs.");
    expect(finished.workload).toBeUndefined();
    // A container of a live pod carries its workload, so its findings are not taken as resolved.
    expect(result.skipped[1]!.workload).toEqual({
      kind: "Deployment",
      name: "nginx",
      namespace: "default",
      apiVersion: "apps/v1",
    });
  });

  it("takes startedAt from the container's own state (running or terminated), else the pod's startTime", async () => {
    const noTimes = mutableCopy(pod("initPod"));
    noTimes.metadata.name = "no-times";
    noTimes.status!.containerStatuses![0]!.state = { running: {} };
    const result = await discover({ reader: cluster({ pods: [...allPods(), noTimes] }) });
    const at = (podName: string, container: string) =>
      result.containers.find((c) => c.pod === podName && c.containerName === container)?.startedAt;
    expect(at("sleep", "init")).toBe("2024-08-24T01:54:35Z"); // terminated init container
    expect(at("sleep", "sidecar")).toBe("2024-08-24T01:54:38Z");
    expect(at("no-times", "nginx")).toBe("2019-08-09T05:12:19Z"); // the pod's startTime
  });

  it("counts ephemeral containers that ran and lists the pod's pull secrets before its service account's", async () => {
    const augmented = readTestdata<{ items: KubePod[] }>("composed/podlist-augmented-synthetic.json")
      .items[0]!;
    const result = await discover({
      reader: createInMemoryKubernetesReader({
        pods: [augmented],
        replicaSets: [nginxReplicaSet],
        serviceAccounts: [defaultAccount],
      }),
    });
    expect(result.containers.map(row)).toEqual([
      "default/nginx-84f5585d68-42mxd container:nginx -> Deployment/nginx docker.io/library/nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
      "default/nginx-84f5585d68-42mxd ephemeral:abc -> Deployment/nginx docker.io/library/nginx@sha256:f7988fb6c02e0ce69257d9bd9cf37ae20a60f1df7563c3a2a6abe24160306b8d",
    ]);
    expect(result.containers[1]!.pullSecrets).toEqual([
      { namespace: "default", name: "regcred" },
      { namespace: "default", name: "myregistrykey" },
    ]);
  });

  it("skips a running container whose runtime reports only an image id, with a located issue", async () => {
    const local = mutableCopy(pod("initPod"));
    local.status!.containerStatuses![0]!.imageID =
      "docker://sha256:295c7be079025306c4f1d65997fcf7adb411c88f139ad1d34b537164aa060369";
    const result = await discover({ reader: createInMemoryKubernetesReader({ pods: [local] }) });
    expect(result.containers.map((c) => c.containerName)).toEqual(["ic1"]);
    expect(result.skipped).toMatchObject([
      {
        pod: "nginx",
        container: "nginx",
        reason: "image-id-not-pullable",
        workload: { kind: "Pod", name: "nginx" },
      },
    ]);
    const issue = result.issues.find((i) => i.code === "image-id-not-pullable");
    expect(issue).toMatchObject({
      severity: "warning",
      source: "discover",
      location: { image: "nginx:alpine", record: "default/nginx/nginx" },
      subject: { namespace: "default", pod: "nginx", container: "nginx" },
    });
    expect(issue!.message).toMatch(/^Cannot pull by image id/);
  });

  it("skips waiting and terminated regular containers", async () => {
    const waiting = mutableCopy(pod("statefulset"));
    waiting.status!.containerStatuses![0]!.state = { waiting: { reason: "CrashLoopBackOff" } };
    const terminated = mutableCopy(pod("daemonset"));
    terminated.status!.containerStatuses![0]!.state = { terminated: { exitCode: 137, reason: "OOMKilled" } };
    const result = await discover({
      reader: createInMemoryKubernetesReader({ pods: [waiting, terminated], serviceAccounts: accounts }),
    });
    expect(result.containers).toEqual([]);
    expect(result.skipped.map((s) => [s.reason, s.message])).toEqual([
      ["container-waiting", "The container is waiting (CrashLoopBackOff)."],
      ["container-terminated", "The container has terminated (OOMKilled, exit code 137)."],
    ]);
  });

  it("sorts its output the same whatever order the API returns pods in", async () => {
    const forward = await discover({ reader: cluster() });
    const serial = await discover({ reader: cluster(), concurrency: 1 });
    const shuffled = await discover({
      reader: createInMemoryKubernetesReader({
        pods: allPods().reverse(),
        replicaSets: [nginxReplicaSet],
        serviceAccounts: accounts,
      }),
      concurrency: 3,
    });
    expect(serial).toEqual(forward);
    expect(shuffled).toEqual(forward);
  });
});

describe("discoverRunningContainers: namespaces, selectors and pages", () => {
  it("reads every page with limit/continue and gets the same result as one page", async () => {
    const whole = await discover({ reader: cluster() });
    const reader = cluster();
    const paged = await discover({ reader, pageSize: 2 });
    expect(paged).toEqual(whole);
    const lists = reader.calls.filter((c) => c.method === "listPods");
    expect(lists.map((c) => c.continue)).toEqual([undefined, "offset:2", "offset:4", "offset:6", "offset:8"]);
    expect(lists.every((c) => c.limit === 2 && c.namespace === undefined)).toBe(true);
  });

  it("lists named namespaces one by one and leaves out excluded ones", async () => {
    const reader = cluster();
    const result = await discover({
      reader,
      namespaces: ["kubescape", "kube-system", "kubescape"],
      excludeNamespaces: ["kube-system"],
    });
    expect(reader.calls.filter((c) => c.method === "listPods").map((c) => c.namespace)).toEqual([
      "kubescape",
    ]);
    expect(result.containers.map((c) => c.pod)).toEqual(["node-agent-4l822"]);
    expect(result.stats.namespaces).toBe(1);
  });

  it("filters cluster-wide listings by the exclude list", async () => {
    const result = await discover({ reader: cluster(), excludeNamespaces: ["default", "kubescape"] });
    expect(result.containers.map((c) => c.namespace)).toEqual(["kube-system"]);
    expect(result.stats).toMatchObject({ namespaces: 1, pods: 1 });
  });

  it("passes the label selector to the API", async () => {
    const reader = cluster();
    const result = await discover({ reader, labelSelector: "app=nginx" });
    expect(reader.calls[0]).toMatchObject({ method: "listPods", labelSelector: "app=nginx" });
    expect(result.containers.map((c) => c.pod)).toEqual(["nginx-84f5585d68-42mxd", "web-0"]);
  });

  it("warns about a named namespace that does not exist, without failing", async () => {
    const result = await discover({ reader: cluster(), namespaces: ["default", "defualt"] });
    expect(result.status).toBe("complete");
    expect(result.issues.filter((i) => i.code === "namespace-not-found")).toMatchObject([
      { severity: "warning", subject: { kind: "Namespace", name: "defualt" } },
    ]);
  });

  it("goes on without the existence check when namespaces cannot be listed", async () => {
    const result = await discover({
      reader: cluster({ fail: (call) => (call.method === "listNamespaces" ? forbidden(call) : undefined) }),
      namespaces: ["default"],
    });
    expect(result.status).toBe("complete");
    expect(result.issues.filter((i) => i.code === "namespaces-unverified")).toMatchObject([
      { severity: "info" },
    ]);
  });
});

describe("discoverRunningContainers: errors", () => {
  it("marks a forbidden namespace as failed and scans the others (status partial)", async () => {
    const result = await discover({
      reader: cluster({
        fail: (call) =>
          call.method === "listPods" && call.namespace === "kube-system" ? forbidden(call) : undefined,
      }),
      namespaces: ["default", "kube-system", "kubescape"],
    });
    expect(result.status).toBe("partial");
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ scope: "namespace", namespace: "kube-system" });
    expect(result.failures[0]!.reason).toBe(
      'cannot list pods in namespace "kube-system": pods is forbidden: User "system:serviceaccount:vigil:vigil-agent" ' +
        'cannot list resource "pods" in API group "" in the namespace "kube-system". ' +
        "Grant list on pods in this namespace (bind the ClusterRole in deploy/rbac.yaml)",
    );
    expect(result.failures[0]!.cause).toBeInstanceOf(KubernetesApiError);
    expect(new Set(result.containers.map((c) => c.namespace))).toEqual(new Set(["default", "kubescape"]));
    expect(result.stats.namespaces).toBe(2);
  });

  it("falls back to listing namespace by namespace when pods are forbidden cluster-wide (status partial)", async () => {
    const whole = await discover({ reader: cluster() });
    const reader = cluster({
      fail: (call) =>
        call.method === "listPods" && (call.namespace === undefined || call.namespace === "kube-system")
          ? forbidden(call)
          : undefined,
    });
    const result = await discover({ reader });
    expect(result.status).toBe("partial");
    expect(result.failures).toEqual([
      {
        scope: "namespace",
        namespace: "kube-system",
        reason:
          'cannot list pods in namespace "kube-system": pods is forbidden: User "system:serviceaccount:vigil:vigil-agent" ' +
          'cannot list resource "pods" in API group "" in the namespace "kube-system". ' +
          "Grant list on pods in this namespace (bind the ClusterRole in deploy/rbac.yaml)",
        cause: expect.any(KubernetesApiError),
      },
    ]);
    // The allowed namespaces are discovered exactly as by the cluster-wide list.
    expect(result.containers).toEqual(whole.containers.filter((c) => c.namespace !== "kube-system"));
    expect(result.skipped).toEqual(whole.skipped.filter((s) => s.namespace !== "kube-system"));
    expect(result.stats).toEqual({ namespaces: 2, pods: 8, containers: 9, skipped: 4 });
    expect(result.issues.filter((i) => i.code === "pods-listed-per-namespace")).toEqual([
      {
        severity: "info",
        code: "pods-listed-per-namespace",
        message:
          'Cannot list pods cluster-wide (pods is forbidden: User "system:serviceaccount:vigil:vigil-agent" cannot list ' +
          'resource "pods" in API group "" at the cluster scope); listed them namespace by namespace instead, and a ' +
          "namespace whose pods are forbidden is reported as a failure. Grant list on pods cluster-wide (bind the " +
          "ClusterRole in deploy/rbac.yaml) to read them in one list.",
        source: "discover",
        location: { record: "Pod *" },
        subject: { kind: "Pod", name: "*" },
      },
    ]);
    expect(
      reader.calls.filter((c) => c.method.startsWith("list")).map((c) => `${c.method} ${c.namespace ?? "*"}`),
    ).toEqual([
      "listPods *",
      "listNamespaces *",
      "listPods default",
      "listPods kube-system",
      "listPods kubescape",
    ]);
  });

  it("leaves excluded namespaces out of the fallback and pages through the namespace list", async () => {
    const reader = cluster({
      namespaces: ["default", "kube-system", "kubescape", "team-a", "team-b"],
      fail: (call) =>
        call.method === "listPods" && (call.namespace === undefined || call.namespace === "team-b")
          ? forbidden(call)
          : undefined,
    });
    const result = await discover({ reader, pageSize: 2, excludeNamespaces: ["kube-system", "kubescape"] });
    expect(result.status).toBe("partial");
    expect(result.failures.map((f) => `${f.scope} ${f.namespace}`)).toEqual(["namespace team-b"]);
    expect(new Set(result.containers.map((c) => c.namespace))).toEqual(new Set(["default"]));
    expect(result.stats.namespaces).toBe(2); // default and the empty team-a
    expect(reader.calls.filter((c) => c.method === "listNamespaces").map((c) => c.continue)).toEqual([
      undefined,
      "offset:2",
      "offset:4",
    ]);
    expect(
      new Set(reader.calls.filter((c) => c.method === "listPods").map((c) => c.namespace ?? "*")),
    ).toEqual(new Set(["*", "default", "team-a", "team-b"]));
  });

  it("lists at most `concurrency` namespaces at once in the fallback", async () => {
    const inner = cluster({
      namespaces: ["a", "b", "c", "d", "e", "f"],
      fail: (call) =>
        call.method === "listPods" && call.namespace === undefined ? forbidden(call) : undefined,
    });
    let inFlight = 0;
    let most = 0;
    const reader = {
      ...inner,
      async listPods(options: Parameters<typeof inner.listPods>[0]) {
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return await inner.listPods(options);
        } finally {
          inFlight--;
        }
      },
    };
    const result = await discover({ reader, concurrency: 2 });
    expect(result.status).toBe("complete");
    expect(most).toBe(2);
    expect(inner.calls.filter((c) => c.method === "listPods")).toHaveLength(7);
  });

  it("fails when the fallback finds every namespace's pods forbidden", async () => {
    const result = await discover({
      reader: cluster({ fail: (call) => (call.method === "listPods" ? forbidden(call) : undefined) }),
    });
    expect(result.status).toBe("failed");
    expect(result.containers).toEqual([]);
    expect(result.failures.map((f) => `${f.scope} ${f.namespace}`)).toEqual([
      "namespace default",
      "namespace kube-system",
      "namespace kubescape",
    ]);
  });

  it("fails the cluster, naming both missing permissions and the manifest, when namespaces are forbidden too", async () => {
    const reader = cluster({
      fail: (call) =>
        (call.method === "listPods" && call.namespace === undefined) || call.method === "listNamespaces"
          ? forbidden(call)
          : undefined,
    });
    const result = await discover({ reader });
    expect(result.status).toBe("failed");
    expect(result.containers).toEqual([]);
    expect(result.failures).toEqual([
      {
        scope: "cluster",
        reason:
          'cannot list pods cluster-wide: pods is forbidden: User "system:serviceaccount:vigil:vigil-agent" cannot ' +
          'list resource "pods" in API group "" at the cluster scope; cannot list namespaces either, to list pods ' +
          'namespace by namespace: namespaces is forbidden: User "system:serviceaccount:vigil:vigil-agent" cannot ' +
          'list resource "namespaces" in API group "" at the cluster scope. Grant list on pods and list on ' +
          "namespaces cluster-wide (bind the ClusterRole in deploy/rbac.yaml)",
        cause: expect.any(KubernetesApiError),
      },
    ]);
    expect(result.issues.filter((i) => i.code === "pods-listed-per-namespace")).toEqual([]);
    expect(reader.calls.map((c) => c.method)).toEqual(["listPods", "listNamespaces"]);
  });

  it("fails the cluster without a fallback when the cluster-wide list fails for another reason than 403", async () => {
    const reader = cluster({
      fail: (call) =>
        call.method === "listPods"
          ? new KubernetesApiError({
              status: 500,
              reason: "InternalError",
              verb: "list",
              resource: "pods",
              serverMessage: "etcdserver: request timed out",
            })
          : undefined,
    });
    const result = await discover({ reader });
    expect(result.status).toBe("failed");
    expect(result.failures.map((f) => f.reason)).toEqual([
      "cannot list pods cluster-wide: etcdserver: request timed out",
    ]);
    expect(reader.calls.map((c) => c.method)).toEqual(["listPods"]);
  });

  it("restarts the listing once from scratch when a continue token expires (410)", async () => {
    const whole = await discover({ reader: cluster() });
    let expiredOnce = false;
    const reader = cluster({
      fail: (call) => {
        if (call.method === "listPods" && call.continue === "offset:6" && !expiredOnce) {
          expiredOnce = true;
          return expired(call);
        }
        return undefined;
      },
    });
    const result = await discover({ reader, pageSize: 3 });
    expect(result).toEqual(whole);
    expect(reader.calls.filter((c) => c.method === "listPods").map((c) => c.continue ?? "-")).toEqual([
      "-",
      "offset:3",
      "offset:6", // 410
      "-",
      "offset:3",
      "offset:6",
    ]);
  });

  it("fails the scope clearly when the list expires again after the restart", async () => {
    const reader = cluster({
      fail: (call) => (call.method === "listPods" && call.continue ? expired(call) : undefined),
    });
    const result = await discover({ reader, pageSize: 4 });
    expect(result.status).toBe("failed");
    expect(result.failures[0]!.cause).toBeInstanceOf(ListExpiredError);
    expect(result.failures[0]!.reason).toMatch(
      /^cannot list pods cluster-wide: The list of pods of all namespaces expired twice while its pages were read \(410 Expired: The provided continue parameter is too old/,
    );
    expect(reader.calls.filter((c) => c.method === "listPods")).toHaveLength(4);
  });

  it("throws on 401: the credentials themselves are refused", async () => {
    await expect(discover({ reader: cluster({ fail: (call) => unauthorized(call) }) })).rejects.toMatchObject(
      {
        status: 401,
      },
    );
    await expect(
      discover({
        reader: cluster({
          fail: (call) => (call.method === "getServiceAccount" ? unauthorized(call) : undefined),
        }),
      }),
    ).rejects.toBeInstanceOf(KubernetesApiError);
  });

  it("stops when cancelled", async () => {
    const controller = new AbortController();
    controller.abort(new Error("cancelled by test"));
    await expect(discover({ reader: cluster(), signal: controller.signal })).rejects.toThrow(
      "cancelled by test",
    );
  });
});

describe("discoverRunningContainers: owners", () => {
  const icxRs = readTestdata<KubeReplicaSet>("k9s/internal/render/testdata/rs.json");
  const helloJob = readTestdata<KubeReplicaSet>("k9s/internal/render/testdata/job.json");

  /** A running pod of `base` renamed into the owner's namespace, controlled by `owner`. */
  function podOf(
    name: string,
    namespace: string,
    owner: { apiVersion: string; kind: string; name: string },
    labels: Record<string, string> = {},
    created = "2019-08-30T15:33:03Z",
  ): KubePod {
    const p = mutableCopy(pod("statefulset"));
    p.metadata.name = name;
    p.metadata.namespace = namespace;
    p.metadata.labels = labels;
    p.metadata.creationTimestamp = created;
    p.metadata.ownerReferences = [{ ...owner, controller: true }];
    return p;
  }

  it("follows a ReplicaSet to its Deployment, reading each ReplicaSet once", async () => {
    const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "icx-db-7d4b578979" };
    const hash = { "pod-template-hash": "7d4b578979" };
    const reader = createInMemoryKubernetesReader({
      pods: [podOf("icx-db-7d4b578979-a", "icx", rs, hash), podOf("icx-db-7d4b578979-b", "icx", rs, hash)],
      replicaSets: [icxRs],
    });
    const result = await discover({ reader });
    expect(result.containers.map((c) => c.workload)).toEqual([
      { kind: "Deployment", name: "icx-db", namespace: "icx", apiVersion: "apps/v1" },
      { kind: "Deployment", name: "icx-db", namespace: "icx", apiVersion: "apps/v1" },
    ]);
    expect(reader.calls.filter((c) => c.method === "getReplicaSet")).toHaveLength(1);
    expect(result.issues.filter((i) => i.code === "owner-lookup-failed")).toEqual([]);
  });

  it("falls back to the name minus the pod-template-hash when the ReplicaSet is forbidden (info issue, once)", async () => {
    const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "icx-db-7d4b578979" };
    const hash = { "pod-template-hash": "7d4b578979" };
    const reader = createInMemoryKubernetesReader({
      pods: [podOf("icx-db-7d4b578979-a", "icx", rs, hash), podOf("icx-db-7d4b578979-b", "icx", rs, hash)],
      replicaSets: [icxRs],
      fail: (call) => (call.method === "getReplicaSet" ? forbidden(call) : undefined),
    });
    const result = await discover({ reader });
    expect(result.containers.map((c) => `${c.workload.kind}/${c.workload.name}`)).toEqual([
      "Deployment/icx-db",
      "Deployment/icx-db",
    ]);
    const issues = result.issues.filter((i) => i.code === "owner-lookup-failed");
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      severity: "info",
      subject: { kind: "ReplicaSet", name: "icx-db-7d4b578979" },
    });
    expect(issues[0]!.message).toContain('reported under Deployment "icx-db"');
    expect(issues[0]!.message).toContain("Grant get on replicasets.apps");
  });

  it("reads the owners of a namespace running three ReplicaSets with one list, paged like the pods; finished pods do not count", async () => {
    const hashes = ["7d4b578979", "5c9f8d7b6", "6b7c8d9f4"];
    const names = hashes.map((hash, i) => `icx-db${i}-${hash}`);
    const replicaSets = names.map((name, i) => {
      const rs = mutableCopy(icxRs);
      rs.metadata.name = name;
      rs.metadata.ownerReferences = [
        { apiVersion: "apps/v1", kind: "Deployment", name: `icx-db${i}`, controller: true },
      ];
      return rs;
    });
    const running = names.map((name, i) =>
      podOf(
        `${name}-a`,
        "icx",
        { apiVersion: "apps/v1", kind: "ReplicaSet", name },
        {
          "pod-template-hash": hashes[i]!,
        },
      ),
    );
    const finished = mutableCopy(running[2]!);
    finished.metadata.name = "icx-old-8f9c7d6b5-a";
    finished.metadata.ownerReferences = [
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "icx-old-8f9c7d6b5", controller: true },
    ];
    finished.status!.phase = "Succeeded";

    const reader = createInMemoryKubernetesReader({ pods: running, replicaSets });
    const result = await discover({ reader, pageSize: 2 });
    expect(result.containers.map((c) => `${c.workload.kind}/${c.workload.name}`)).toEqual([
      "Deployment/icx-db0",
      "Deployment/icx-db1",
      "Deployment/icx-db2",
    ]);
    expect(reader.calls.filter((c) => /ReplicaSet/.test(c.method))).toEqual([
      { method: "listReplicaSets", namespace: "icx", limit: 2 },
      { method: "listReplicaSets", namespace: "icx", limit: 2, continue: "offset:2" },
    ]);

    // Two running ReplicaSets and a finished pod's: below the threshold, so a get each.
    const fewer = createInMemoryKubernetesReader({ pods: [...running.slice(0, 2), finished], replicaSets });
    await discover({ reader: fewer });
    expect(
      fewer.calls.filter((c) => /ReplicaSet/.test(c.method)).map((c) => `${c.method} ${c.name}`),
    ).toEqual([`getReplicaSet ${names[0]}`, `getReplicaSet ${names[1]}`]);

    // Where list is forbidden, the same workloads with a get each, and an info issue.
    const getOnly = createInMemoryKubernetesReader({
      pods: running,
      replicaSets,
      fail: (call) => (call.method === "listReplicaSets" ? forbidden(call) : undefined),
    });
    const fallback = await discover({ reader: getOnly });
    expect(fallback.containers).toEqual(result.containers);
    expect(getOnly.calls.filter((c) => c.method === "getReplicaSet")).toHaveLength(3);
    expect(fallback.issues.filter((i) => i.code.startsWith("owner-"))).toMatchObject([
      {
        severity: "info",
        code: "owner-list-failed",
        subject: { kind: "ReplicaSet", namespace: "icx", name: "*" },
      },
    ]);

    // And never, when told so.
    const never = createInMemoryKubernetesReader({ pods: running, replicaSets });
    await discover({ reader: never, ownerListThreshold: Number.POSITIVE_INFINITY });
    expect(never.calls.filter((c) => c.method === "listReplicaSets")).toEqual([]);
  });

  it("reports the ReplicaSet itself when it is forbidden and the pod has no pod-template-hash", async () => {
    const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "icx-db-7d4b578979" };
    const reader = createInMemoryKubernetesReader({
      pods: [podOf("icx-db-7d4b578979-a", "icx", rs)],
      fail: (call) => (call.method === "getReplicaSet" ? forbidden(call) : undefined),
    });
    const result = await discover({ reader });
    expect(result.containers[0]!.workload).toMatchObject({ kind: "ReplicaSet", name: "icx-db-7d4b578979" });
  });

  it("follows a Job to its CronJob", async () => {
    const job = { apiVersion: "batch/v1", kind: "Job", name: "hello-1567179180" };
    const result = await discover({
      reader: createInMemoryKubernetesReader({
        pods: [podOf("hello-1567179180-x", "default", job)],
        jobs: [helloJob],
      }),
    });
    expect(result.containers[0]!.workload).toEqual({
      kind: "CronJob",
      name: "hello",
      namespace: "default",
      apiVersion: "batch/v1beta1",
    });
  });

  it("infers the CronJob from a forbidden Job's name when its suffix is the pod's scheduled time", async () => {
    const seconds = { apiVersion: "batch/v1", kind: "Job", name: "hello-1567179180" }; // pre-1.21 controller
    const minutes = { apiVersion: "batch/v1", kind: "Job", name: "hello-28686821" }; // current controller
    const byHand = { apiVersion: "batch/v1", kind: "Job", name: "backup-20240101" };
    const reader = createInMemoryKubernetesReader({
      pods: [
        podOf("a", "default", seconds, {}, "2019-08-30T15:33:02Z"),
        podOf("b", "default", minutes, {}, "2024-07-17T09:41:00Z"),
        podOf("c", "default", byHand, {}, "2024-07-17T09:41:00Z"),
      ],
      fail: (call) => (call.method === "getJob" ? forbidden(call) : undefined),
    });
    const result = await discover({ reader });
    expect(result.containers.map((c) => `${c.pod} ${c.workload.kind}/${c.workload.name}`)).toEqual([
      "a CronJob/hello",
      "b CronJob/hello",
      "c Job/backup-20240101",
    ]);
    expect(result.issues.filter((i) => i.code === "owner-lookup-failed")).toHaveLength(3);
  });

  it("reports a bare pod and a static pod's mirror as the Pod itself", async () => {
    const mirror = podOf("kube-apiserver-node1", "kube-system", {
      apiVersion: "v1",
      kind: "Node",
      name: "node1",
    });
    const bare = mutableCopy(pod("initPod"));
    const result = await discover({ reader: createInMemoryKubernetesReader({ pods: [mirror, bare] }) });
    expect(new Set(result.containers.map((c) => `${c.workload.kind}/${c.workload.name}`))).toEqual(
      new Set(["Pod/kube-apiserver-node1", "Pod/nginx"]),
    );
  });
});
