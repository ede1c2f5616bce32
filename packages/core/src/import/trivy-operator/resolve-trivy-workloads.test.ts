import { describe, expect, it } from "vitest";
import type { KubeJob, KubeReplicaSet } from "../../discover/kubernetes-objects.js";
import {
  createInMemoryKubernetesReader,
  forbidden,
  type InMemoryKubernetesOptions,
  unauthorized,
} from "../../discover/test-support/in-memory-kubernetes-reader.js";
import { convertTrivyReports } from "./convert-trivy-reports.js";
import { resolveTrivyWorkloads } from "./resolve-trivy-workloads.js";
import { REAL_EXAMPLES, readYamlObjects, SYNTHETIC_CURRENT } from "./test-support/trivy-testdata.js";

// The synthetic CronJob report, relabelled as Trivy Operator labels a Job's report: DERIVED for
// this test. Its Job is named as the CronJob controller names them, by the minute it was
// scheduled: 28623480 is 2024-06-03T10:00Z, 16 minutes before the report's updateTimestamp.
const JOB = "nightly-report-28623480";
function jobReport(): unknown {
  const cronJob = readYamlObjects(SYNTHETIC_CURRENT).find(
    (o) => (o as { metadata: { name: string } }).metadata.name === "cronjob-nightly-report-report",
  ) as { metadata: Record<string, unknown> };
  return {
    ...cronJob,
    metadata: {
      ...cronJob.metadata,
      name: `job-${JOB}-report`,
      labels: {
        "trivy-operator.container.name": "report",
        "trivy-operator.resource.kind": "Job",
        "trivy-operator.resource.name": JOB,
        "trivy-operator.resource.namespace": "batch",
      },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: JOB, uid: "uid-job", controller: true }],
    },
  };
}

const { reports } = convertTrivyReports([
  ...readYamlObjects(REAL_EXAMPLES[1]), // default/nginx-6d4cf56db6
  ...readYamlObjects(REAL_EXAMPLES[2]), // a cluster component
  ...readYamlObjects(REAL_EXAMPLES[3]), // kube-system/coredns-558bd4d5db
  ...readYamlObjects(SYNTHETIC_CURRENT), // shop/web-7d9f8c6b5, CronJob batch/nightly-report, DaemonSet
  jobReport(),
]);

const owned = (kind: string, apiVersion: string, namespace: string, name: string, owner: string) => ({
  metadata: {
    namespace,
    name,
    ownerReferences: [{ apiVersion, kind, name: owner, uid: `uid-${owner}`, controller: true }],
  },
});
const replicaSets: KubeReplicaSet[] = [
  owned("Deployment", "apps/v1", "default", "nginx-6d4cf56db6", "nginx"),
  owned("Deployment", "apps/v1", "kube-system", "coredns-558bd4d5db", "coredns"),
  // A ReplicaSet made by hand has no controller: it is the workload.
  { metadata: { namespace: "shop", name: "web-7d9f8c6b5" } },
];
const jobs: KubeJob[] = [owned("CronJob", "batch/v1", "batch", JOB, "nightly-report")];

const describeWorkloads = (resolved: Awaited<ReturnType<typeof resolveTrivyWorkloads>>) =>
  resolved.reports.map(
    (r) =>
      `${r.workload.namespace}/${r.workload.kind}/${r.workload.name}/${r.containerName}` +
      (r.labelledWorkload ? ` <- ${r.labelledWorkload.kind}/${r.labelledWorkload.name}` : ""),
  );

function reader(options: Partial<InMemoryKubernetesOptions> = {}) {
  return createInMemoryKubernetesReader({ replicaSets, jobs, ...options });
}

describe("resolveTrivyWorkloads", () => {
  it("names the Deployment of a ReplicaSet and the CronJob of a Job, as discovery does, and keeps the rest", async () => {
    const kube = reader();
    const resolved = await resolveTrivyWorkloads(reports, { reader: kube });
    expect(describeWorkloads(resolved)).toEqual([
      "/ClusterSbomReport/584b5cdcd5/k8s-cluster",
      "batch/CronJob/nightly-report/report",
      "batch/CronJob/nightly-report/report <- Job/nightly-report-28623480",
      "default/Deployment/nginx/nginx <- ReplicaSet/nginx-6d4cf56db6",
      "kube-system/DaemonSet/log-shipper/shipper",
      "kube-system/Deployment/coredns/coredns <- ReplicaSet/coredns-558bd4d5db",
      "shop/ReplicaSet/web-7d9f8c6b5/app",
    ]);
    expect(resolved.issues).toEqual([]);
    expect(resolved.reports.find((r) => r.workload.name === "coredns")?.workload).toEqual({
      kind: "Deployment",
      name: "coredns",
      namespace: "kube-system",
      apiVersion: "apps/v1",
    });
    // Matches travel unchanged with their report.
    expect(resolved.reports.map((r) => r.matches.length).reduce((a, b) => a + b)).toBe(
      reports.map((r) => r.matches.length).reduce((a, b) => a + b),
    );
    expect(kube.calls.map((c) => `${c.method} ${c.namespace}/${c.name}`).sort()).toEqual([
      "getJob batch/nightly-report-28623480",
      "getReplicaSet default/nginx-6d4cf56db6",
      "getReplicaSet kube-system/coredns-558bd4d5db",
      "getReplicaSet shop/web-7d9f8c6b5",
    ]);
  });

  it("reads each ReplicaSet once, however many containers' reports name it", async () => {
    const nginx = readYamlObjects(REAL_EXAMPLES[1])[0] as { metadata: Record<string, unknown> };
    const sidecar = {
      ...nginx,
      metadata: {
        ...nginx.metadata,
        name: "replicaset-nginx-6d4cf56db6-sidecar",
        labels: {
          ...(nginx.metadata.labels as Record<string, string>),
          "trivy-operator.container.name": "sidecar",
        },
      },
    };
    const two = convertTrivyReports([nginx, sidecar]).reports;
    const kube = reader();
    const resolved = await resolveTrivyWorkloads(two, { reader: kube });
    expect(describeWorkloads(resolved)).toEqual([
      "default/Deployment/nginx/nginx <- ReplicaSet/nginx-6d4cf56db6",
      "default/Deployment/nginx/sidecar <- ReplicaSet/nginx-6d4cf56db6",
    ]);
    expect(kube.calls).toHaveLength(1);
  });

  it("falls back as discovery does when owners cannot be read: the ReplicaSet stays, the Job's name gives its CronJob", async () => {
    const kube = reader({
      fail: (call) => (call.method === "getReplicaSet" ? forbidden(call) : undefined),
      jobs: [],
    });
    const resolved = await resolveTrivyWorkloads(reports, { reader: kube });
    expect(describeWorkloads(resolved)).toEqual([
      "/ClusterSbomReport/584b5cdcd5/k8s-cluster",
      "batch/CronJob/nightly-report/report",
      "batch/CronJob/nightly-report/report <- Job/nightly-report-28623480",
      "default/ReplicaSet/nginx-6d4cf56db6/nginx",
      "kube-system/DaemonSet/log-shipper/shipper",
      "kube-system/ReplicaSet/coredns-558bd4d5db/coredns",
      "shop/ReplicaSet/web-7d9f8c6b5/app",
    ]);
    expect(resolved.issues.map((i) => [i.severity, i.code, i.location.record])).toEqual([
      ["info", "owner-lookup-failed", "Job batch/nightly-report-28623480"],
      ["info", "owner-lookup-failed", "ReplicaSet default/nginx-6d4cf56db6"],
      ["info", "owner-lookup-failed", "ReplicaSet kube-system/coredns-558bd4d5db"],
      ["info", "owner-lookup-failed", "ReplicaSet shop/web-7d9f8c6b5"],
    ]);
    expect(resolved.issues[1]?.message).toMatch(/Grant get on replicasets\.apps/);
  });

  it("rejects when the credentials are refused", async () => {
    const kube = reader({ fail: (call) => unauthorized(call) });
    await expect(resolveTrivyWorkloads(reports, { reader: kube })).rejects.toMatchObject({ status: 401 });
  });
});
