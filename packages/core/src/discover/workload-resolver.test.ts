import { describe, expect, it } from "vitest";
import type { WorkloadRef } from "../model/running-container.js";
import { compareDiscoveryIssues, type DiscoveryIssue } from "./discovery-issue.js";
import { KubernetesApiError } from "./kubernetes-api-error.js";
import type { KubeJob, KubePod, KubeReplicaSet } from "./kubernetes-objects.js";
import {
  createInMemoryKubernetesReader,
  expired,
  forbidden,
  type InMemoryKubernetesOptions,
  type ReaderCall,
  unauthorized,
} from "./test-support/in-memory-kubernetes-reader.js";
import { createWorkloadResolver, type WorkloadResolverOptions } from "./workload-resolver.js";

// Owner lookups by list and by get, counted on the in-memory reader. Objects are SYNTHETIC,
// shaped as the Deployment and CronJob controllers make them: ReplicaSet `<deployment>-<hash>`
// with pods labelled with the hash, Job `<cronjob>-<scheduled minute>`.

const hashOf = (rsName: string) => rsName.slice(rsName.lastIndexOf("-") + 1);

function replicaSet(namespace: string, name: string, deployment?: string): KubeReplicaSet {
  return {
    metadata: {
      namespace,
      name,
      ...(deployment
        ? {
            ownerReferences: [
              { apiVersion: "apps/v1", kind: "Deployment", name: deployment, controller: true },
            ],
          }
        : {}),
    },
  };
}

function job(namespace: string, name: string, cronJob: string): KubeJob {
  return {
    metadata: {
      namespace,
      name,
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cronJob, controller: true }],
    },
  };
}

/** A pod controlled by `owner` (only metadata is read). */
function podOf(namespace: string, name: string, kind: "ReplicaSet" | "Job", owner: string): KubePod {
  return {
    metadata: {
      namespace,
      name,
      creationTimestamp: "2024-07-17T09:41:00Z",
      labels: kind === "ReplicaSet" ? { "pod-template-hash": hashOf(owner) } : {},
      ownerReferences: [
        { apiVersion: kind === "ReplicaSet" ? "apps/v1" : "batch/v1", kind, name: owner, controller: true },
      ],
    },
  };
}

/** `shop`: five Deployments' current ReplicaSets (two pods each) and an old revision; `tiny`: one. */
const SHOP = ["a", "b", "c", "d", "e"].map((d) => `${d}-5f7c9d8b6`);
const replicaSets = [
  ...SHOP.map((rs) => replicaSet("shop", rs, rs.slice(0, 1))),
  replicaSet("shop", "a-74d9b8c5f", "a"), // an old revision no pod runs
  replicaSet("tiny", "web-6b9d7c5f4", "web"),
];
const pods = [
  ...SHOP.flatMap((rs) => [
    podOf("shop", `${rs}-x1`, "ReplicaSet", rs),
    podOf("shop", `${rs}-x2`, "ReplicaSet", rs),
  ]),
  podOf("tiny", "web-6b9d7c5f4-x1", "ReplicaSet", "web-6b9d7c5f4"),
];

async function resolveAll(
  reader: ReturnType<typeof createInMemoryKubernetesReader>,
  all: readonly KubePod[],
  options: Partial<WorkloadResolverOptions> = {},
): Promise<{ workloads: string[]; issues: DiscoveryIssue[] }> {
  const issues: DiscoveryIssue[] = [];
  const resolver = createWorkloadResolver({
    reader,
    onIssue: (issue) => issues.push(issue),
    pods: all,
    ...options,
  });
  const refs: WorkloadRef[] = await Promise.all(all.map((pod) => resolver.workloadOf(pod)));
  return {
    workloads: refs.map((w) => `${w.namespace}/${w.kind}/${w.name}`),
    issues: issues.sort(compareDiscoveryIssues),
  };
}

const describeCall = (c: ReaderCall) =>
  `${c.method} ${c.namespace}${c.name ? `/${c.name}` : ""}${c.limit ? ` limit=${c.limit}` : ""}${
    c.continue ? ` continue=${c.continue}` : ""
  }`;

function reader(options: Partial<InMemoryKubernetesOptions> = {}) {
  return createInMemoryKubernetesReader({ replicaSets, ...options });
}

const EXPECTED = [
  ...["a", "b", "c", "d", "e"].flatMap((d) => [`shop/Deployment/${d}`, `shop/Deployment/${d}`]),
  "tiny/Deployment/web",
];

describe("createWorkloadResolver: owners by list", () => {
  it("lists a namespace's ReplicaSets once, page by page, when its pods name at least three, and gets none there", async () => {
    const kube = reader();
    const { workloads, issues } = await resolveAll(kube, pods, { pageSize: 2 });
    expect(workloads).toEqual(EXPECTED);
    expect(issues).toEqual([]);
    // Six ReplicaSets in shop, two a page; tiny's one is below the threshold: a get.
    expect(kube.calls.map(describeCall).sort()).toEqual([
      "getReplicaSet tiny/web-6b9d7c5f4",
      "listReplicaSets shop limit=2",
      "listReplicaSets shop limit=2 continue=offset:2",
      "listReplicaSets shop limit=2 continue=offset:4",
    ]);
  });

  it("gets each ReplicaSet, as before, with an info issue for the namespace, when the list is forbidden", async () => {
    const kube = reader({
      fail: (call) => (call.method === "listReplicaSets" ? forbidden(call) : undefined),
    });
    const { workloads, issues } = await resolveAll(kube, pods);
    expect(workloads).toEqual(EXPECTED);
    expect(kube.calls.map(describeCall).sort()).toEqual(
      [
        "listReplicaSets shop limit=500",
        ...SHOP.map((rs) => `getReplicaSet shop/${rs}`),
        "getReplicaSet tiny/web-6b9d7c5f4",
      ].sort(),
    );
    expect(issues).toEqual([
      {
        severity: "info",
        code: "owner-list-failed",
        message:
          'Cannot list ReplicaSets in namespace "shop" (403 Forbidden: replicasets.apps is forbidden: User ' +
          '"system:serviceaccount:vigil:vigil-agent" cannot list resource "replicasets" in API group "apps" in ' +
          'the namespace "shop"); read the 5 its pods name one by one instead. Grant list on replicasets.apps ' +
          "(the ClusterRole in deploy/rbac.yaml) to read them with one list.",
        source: "discover",
        location: { record: "ReplicaSet shop/*" },
        subject: { kind: "ReplicaSet", namespace: "shop", name: "*" },
      },
    ]);
  });

  it("falls back to the name-based inference when neither list nor get is allowed", async () => {
    const kube = reader({ fail: (call) => (call.method === "listPods" ? undefined : forbidden(call)) });
    const { workloads, issues } = await resolveAll(kube, pods);
    expect(workloads).toEqual(EXPECTED); // every pod carries its pod-template-hash
    expect(issues.map((i) => `${i.severity} ${i.code} ${i.location.record}`)).toEqual([
      "info owner-list-failed ReplicaSet shop/*",
      ...SHOP.map((rs) => `info owner-lookup-failed ReplicaSet shop/${rs}`),
      "info owner-lookup-failed ReplicaSet tiny/web-6b9d7c5f4",
    ]);
  });

  it("gets each ReplicaSet when a namespace's pods name fewer than three", async () => {
    const two = pods.filter((p) => /^[ab]-/.test(p.metadata.name ?? ""));
    const kube = reader();
    const { workloads } = await resolveAll(kube, two);
    expect(workloads).toEqual([
      "shop/Deployment/a",
      "shop/Deployment/a",
      "shop/Deployment/b",
      "shop/Deployment/b",
    ]);
    expect(kube.calls.map(describeCall)).toEqual([
      `getReplicaSet shop/${SHOP[0]}`,
      `getReplicaSet shop/${SHOP[1]}`,
    ]);
  });

  it("gets each ReplicaSet when it is not told the pods in advance, or the threshold is Infinity", async () => {
    for (const options of [{ pods: [] }, { listThreshold: Number.POSITIVE_INFINITY }]) {
      const kube = reader();
      const issues: DiscoveryIssue[] = [];
      const resolver = createWorkloadResolver({
        reader: kube,
        onIssue: (i) => issues.push(i),
        pods,
        ...options,
      });
      for (const pod of pods) await resolver.workloadOf(pod);
      expect(kube.calls.every((c) => c.method === "getReplicaSet")).toBe(true);
      expect(kube.calls).toHaveLength(6);
    }
  });

  it("gets a ReplicaSet missing from the list, and handles its 404 as before", async () => {
    const kube = reader({ replicaSets: replicaSets.filter((rs) => rs.metadata.name !== SHOP[4]) });
    const { workloads, issues } = await resolveAll(kube, pods);
    expect(workloads).toEqual(EXPECTED); // e-5f7c9d8b6 inferred from the pod-template-hash
    expect(kube.calls.map(describeCall).sort()).toEqual([
      `getReplicaSet shop/${SHOP[4]}`,
      "getReplicaSet tiny/web-6b9d7c5f4",
      "listReplicaSets shop limit=500",
    ]);
    expect(issues.map((i) => `${i.severity} ${i.code} ${i.location.record}`)).toEqual([
      `info owner-lookup-failed ReplicaSet shop/${SHOP[4]}`,
    ]);
    expect(issues[0]!.message).toMatch(
      /^Cannot get ReplicaSet shop\/e-5f7c9d8b6 \(404 NotFound: .*Deployment "e"/,
    );
  });

  it("reports a ReplicaSet without a controller, from the list, as the workload", async () => {
    const kube = reader({
      replicaSets: replicaSets.map((rs) =>
        rs.metadata.name === SHOP[2] ? replicaSet("shop", SHOP[2]!) : rs,
      ),
    });
    const { workloads } = await resolveAll(kube, pods);
    expect(workloads.filter((w) => w.includes("c-"))).toEqual([
      `shop/ReplicaSet/${SHOP[2]}`,
      `shop/ReplicaSet/${SHOP[2]}`,
    ]);
    expect(kube.calls.filter((c) => c.method === "getReplicaSet" && c.namespace === "shop")).toEqual([]);
  });

  it("lists Jobs the same way, falling back to gets with a warning when the list fails otherwise", async () => {
    const names = ["report-28686821", "backup-28686821", "sync-28686821"];
    const jobs = names.map((n) => job("batch", n, n.split("-")[0]!));
    const jobPods = names.map((n) => podOf("batch", `${n}-x1`, "Job", n));
    const expected = ["batch/CronJob/report", "batch/CronJob/backup", "batch/CronJob/sync"];

    const listing = createInMemoryKubernetesReader({ jobs });
    expect((await resolveAll(listing, jobPods)).workloads).toEqual(expected);
    expect(listing.calls.map(describeCall)).toEqual(["listJobs batch limit=500"]);

    // A server error, then a list that expires twice: each a warning, then gets.
    const serverError = (call: ReaderCall) =>
      new KubernetesApiError({
        status: 500,
        reason: "InternalError",
        verb: "list",
        resource: "jobs.batch",
        ...(call.namespace !== undefined ? { namespace: call.namespace } : {}),
        serverMessage: "etcdserver: request timed out",
      });
    for (const [fail, said] of [
      [serverError, "500 InternalError: etcdserver: request timed out"],
      [
        (call: ReaderCall) => (call.continue !== undefined ? expired(call) : undefined),
        "the list expired twice while its pages were read",
      ],
    ] as const) {
      const kube = createInMemoryKubernetesReader({
        jobs,
        fail: (call) => (call.method === "listJobs" ? fail(call) : undefined),
      });
      const { workloads, issues } = await resolveAll(kube, jobPods, { pageSize: 1 });
      expect(workloads).toEqual(expected);
      expect(kube.calls.filter((c) => c.method === "getJob")).toHaveLength(3);
      expect(issues.map((i) => [i.severity, i.code, i.message])).toEqual([
        [
          "warning",
          "owner-list-failed",
          `Cannot list Jobs in namespace "batch" (${said}); read the 3 its pods name one by one instead.`,
        ],
      ]);
    }
  });

  it("rejects when the list is refused with 401, and on cancellation", async () => {
    const refused = reader({
      fail: (call) => (call.method === "listReplicaSets" ? unauthorized(call) : undefined),
    });
    await expect(resolveAll(refused, pods)).rejects.toMatchObject({ status: 401 });

    const controller = new AbortController();
    controller.abort(new Error("cancelled by test"));
    await expect(resolveAll(reader(), pods, { signal: controller.signal })).rejects.toThrow(
      "cancelled by test",
    );
  });
});
