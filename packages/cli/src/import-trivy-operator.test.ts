import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeApiRule } from "../../../scripts/test-env/kube-api/authorization.js";
import {
  type RunningKubeApiServer,
  startKubeApiServer,
} from "../../../scripts/test-env/kube-api/kube-api-server.js";
import type { KubeObject } from "../../../scripts/test-env/kube-api/kube-object.js";
import {
  createResourceCatalog,
  defaultResourceCatalog,
} from "../../../scripts/test-env/kube-api/resource-catalog.js";
import {
  REAL_EXAMPLES,
  readYamlObjects,
  SYNTHETIC_CURRENT,
} from "../../core/src/import/trivy-operator/test-support/trivy-testdata.js";
import { gitlabSchemaErrors } from "../../core/src/report/gitlab/test-support/gitlab-schemas.js";
import { spawnVigil } from "./test-support/spawn-vigil.js";

// `vigil import trivy-operator` as users run it: the built bin against the test Kubernetes API
// server (real REST protocol), seeded with Trivy Operator's own report examples and the
// ReplicaSets and Jobs their labels name, owned by Deployments and CronJobs.
const work = mkdtempSync(join(tmpdir(), "vigil-cli-trivy-"));
const GROUP = "aquasecurity.github.io";
const BACKUP_JOB = "backup-28623480";

/** What deploy/rbac.yaml grants that the import uses. */
const RBAC: KubeApiRule[] = [
  {
    user: "*",
    verbs: ["list", "watch"],
    resources: ["vulnerabilityreports", "clustervulnerabilityreports"],
    apiGroups: [GROUP],
  },
  { user: "*", verbs: ["get"], resources: ["replicasets"], apiGroups: ["apps"] },
  { user: "*", verbs: ["get"], resources: ["jobs"], apiGroups: ["batch"] },
];

let api: RunningKubeApiServer;
let kubeconfig: string;

const vigil = (args: string[]) => spawnVigil(work, args);

/**
 * Trivy Operator's reports: the real examples (one of the three nginx versions, as a cluster
 * holds one), the synthetic current ones, and one DERIVED from the synthetic CronJob report,
 * relabelled as a report about a Job: named by the minute the CronJob controller scheduled it
 * (28623480 is 2024-06-03T10:00Z).
 */
function trivyReports(): KubeObject[] {
  const objects = [REAL_EXAMPLES[1], REAL_EXAMPLES[2], REAL_EXAMPLES[3], SYNTHETIC_CURRENT].flatMap(
    (file) => readYamlObjects(file) as KubeObject[],
  );
  const cron = objects.find((o) => o.metadata.name === "cronjob-nightly-report-report")!;
  const job: KubeObject = {
    ...cron,
    metadata: {
      ...cron.metadata,
      name: `job-${BACKUP_JOB}-report`,
      labels: {
        "trivy-operator.container.name": "report",
        "trivy-operator.resource.kind": "Job",
        "trivy-operator.resource.name": BACKUP_JOB,
        "trivy-operator.resource.namespace": "batch",
      },
      ownerReferences: [
        { apiVersion: "batch/v1", kind: "Job", name: BACKUP_JOB, uid: `uid-${BACKUP_JOB}`, controller: true },
      ],
    },
  };
  return [...objects, job];
}

/** A ReplicaSet or Job controlled by `owner`. */
function owned(
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
  owner: { apiVersion: string; kind: string; name: string },
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace,
      uid: `uid-${name}`,
      ownerReferences: [{ ...owner, uid: `uid-${owner.name}`, controller: true }],
    },
    spec: {},
  };
}
const rs = (namespace: string, name: string, deployment: string) =>
  owned("apps/v1", "ReplicaSet", namespace, name, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: deployment,
  });
const job = (namespace: string, name: string, cronJob: string) =>
  owned("batch/v1", "Job", namespace, name, { apiVersion: "batch/v1", kind: "CronJob", name: cronJob });

beforeAll(async () => {
  api = await startKubeApiServer({
    objects: [
      ...trivyReports(),
      rs("default", "nginx-6d4cf56db6", "nginx"),
      rs("kube-system", "coredns-558bd4d5db", "coredns"),
      rs("shop", "web-7d9f8c6b5", "web"),
      job("batch", BACKUP_JOB, "backup"),
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "quiet" } },
    ],
    rules: RBAC,
  });
  kubeconfig = api.kubeconfig(join(work, "kubeconfig"), { context: "prod-eu" });
});

afterAll(async () => {
  await api?.close();
  rmSync(work, { recursive: true, force: true });
});

const base = () => ["import", "trivy-operator", "--kubeconfig", kubeconfig];

interface GitlabResource {
  namespace: string;
  kind: string;
  name: string;
  container_name: string;
  cluster_id?: string;
  agent_id?: string;
}

/** Findings per `namespace/kind/name/container` of a GitLab report. */
function countByResource(report: {
  vulnerabilities: { location: { kubernetes_resource: GitlabResource } }[];
}) {
  const counts: Record<string, number> = {};
  for (const v of report.vulnerabilities) {
    const k = v.location.kubernetes_resource;
    const key = `${k.namespace}/${k.kind}/${k.name}/${k.container_name}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe("vigil import trivy-operator", () => {
  it("writes a valid GitLab cluster_image_scanning report naming Deployments and CronJobs", async () => {
    const out = join(work, "gl-cluster-image-scanning-report.json");
    const run = await vigil([...base(), "--format", "gitlab-cluster", "--agent-id", "42", "--output", out]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toBe("");
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(gitlabSchemaErrors("cluster_image_scanning", report)).toEqual([]);
    expect(report.scan.type).toBe("cluster_image_scanning");
    expect(report.scan.status).toBe("success");
    expect(countByResource(report)).toEqual({
      "batch/CronJob/backup/report": 2,
      "batch/CronJob/nightly-report/report": 2,
      "default/Deployment/nginx/nginx": 2,
      "kube-system/Deployment/coredns/coredns": 1,
      "shop/Deployment/web/app": 3,
    });
    for (const v of report.vulnerabilities) {
      expect(v.location.kubernetes_resource).toMatchObject({ cluster_id: "prod-eu", agent_id: "42" });
      expect(v.details.imported_from.items.tool.value).toBe("Trivy Operator");
    }
    // Conversion issues are warnings on stderr; the cluster component is left out of GitLab's report.
    const lines = run.stderr.trimEnd().split("\n");
    expect(
      lines.every((l) => l.startsWith("vigil: warning: ")),
      run.stderr,
    ).toBe(true);
    expect(run.stderr).toContain(
      "vigil: warning: VulnerabilityReport default/replicaset-nginx-6d4cf56db6-nginx: report.artifact.digest is missing",
    );
    expect(run.stderr).toMatch(
      /ClusterSbomReport 584b5cdcd5 has no namespace .* left out of the GitLab report/,
    );
  });

  it("writes JSON with each report's resolved workload, the one its labels named, and exact counts", async () => {
    const out = join(work, "import.json");
    const run = await vigil([...base(), "--format", "json", "--cluster-id", "eu-1", "--output", out]);
    expect(run.code, run.stderr).toBe(1);
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc).toMatchObject({
      schemaVersion: "1",
      importedFrom: "trivy-operator",
      clusterId: "eu-1",
      status: "complete",
      summary: { reports: 7, workloads: 7, images: 6, vulnerabilities: 25 },
    });
    expect(
      doc.reports.map(
        (r: {
          workload: { namespace: string; kind: string; name: string };
          labelledWorkload?: { kind: string; name: string };
          containerName: string;
          matches: unknown[];
        }) =>
          `${r.workload.namespace}/${r.workload.kind}/${r.workload.name}/${r.containerName} ${r.matches.length}` +
          (r.labelledWorkload ? ` <- ${r.labelledWorkload.kind}/${r.labelledWorkload.name}` : ""),
      ),
    ).toEqual([
      "/ClusterSbomReport/584b5cdcd5/k8s-cluster 15",
      `batch/CronJob/backup/report 2 <- Job/${BACKUP_JOB}`,
      "batch/CronJob/nightly-report/report 2",
      "default/Deployment/nginx/nginx 2 <- ReplicaSet/nginx-6d4cf56db6",
      "kube-system/DaemonSet/log-shipper/shipper 0",
      "kube-system/Deployment/coredns/coredns 1 <- ReplicaSet/coredns-558bd4d5db",
      "shop/Deployment/web/app 3 <- ReplicaSet/web-7d9f8c6b5",
    ]);
    expect(doc.issues.some((i: { code: string }) => i.code === "trivy-missing-digest")).toBe(true);
  });

  it("prints a table by default, and reads only the namespaces asked for", async () => {
    const all = await vigil(base());
    expect(all.code, all.stderr).toBe(1);
    expect(all.stdout).toMatch(
      /^SEVERITY\s+ID\s+PACKAGE\s+INSTALLED\s+FIXED\s+IMAGE\s+WORKLOAD\s+CONTAINER$/m,
    );
    expect(all.stdout).toMatch(/^prod-eu\s+complete\s+7\s+7\s+6\s+25$/m);
    expect(all.stdout).toMatch(/\sshop\/Deployment\/web\s+app$/m);

    const shop = await vigil([...base(), "--namespace", "shop", "--namespace", "quiet", "--format", "json"]);
    expect(shop.code, shop.stderr).toBe(1);
    expect(shop.stderr).toBe("");
    const doc = JSON.parse(shop.stdout);
    expect(doc.summary).toEqual({ reports: 1, workloads: 1, images: 1, vulnerabilities: 3 });
    expect(doc.reports[0].workload).toEqual({
      kind: "Deployment",
      name: "web",
      namespace: "shop",
      apiVersion: "apps/v1",
    });

    const quiet = await vigil([...base(), "--namespace", "quiet"]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toContain("No vulnerabilities in the Trivy Operator reports.");
    expect(quiet.stdout).toMatch(/^prod-eu\s+complete\s+0\s+0\s+0\s+0$/m);
  });

  it("keeps the ReplicaSet, with a warning, when it may not read owners", async () => {
    api.setRules(RBAC.filter((r) => !r.resources.includes("replicasets")));
    try {
      const run = await vigil([...base(), "--namespace", "shop", "--format", "json"]);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout).reports[0].workload.kind).toBe("ReplicaSet");
      expect(run.stderr).toMatch(
        /^vigil: warning: Cannot get ReplicaSet shop\/web-7d9f8c6b5 \(403 Forbidden: .*Grant get on replicasets\.apps/m,
      );
    } finally {
      api.setRules(RBAC);
    }
  });

  it("fails with exit 2, naming the missing permission and deploy/rbac.yaml, when the reports are forbidden", async () => {
    api.setRules(RBAC.filter((r) => !r.resources.includes("vulnerabilityreports")));
    try {
      const run = await vigil(base());
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      const denied = (resource: string) =>
        `  Vigil may not list ${resource}.${GROUP} across all namespaces (403 Forbidden): its service account ` +
        `needs the verb "list" on resource "${resource}" in API group "${GROUP}". Apply ` +
        "deploy/rbac.yaml (ClusterRole vigil-reader) or grant it.";
      expect(run.stderr.split("\n")).toEqual([
        `vigil: cannot import Trivy Operator reports from cluster prod-eu (${api.url}):`,
        denied("clustervulnerabilityreports"),
        denied("vulnerabilityreports"),
        `  Check what the kubeconfig context may do: kubectl auth can-i list vulnerabilityreports.${GROUP} --all-namespaces`,
        "",
      ]);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      api.setRules(RBAC);
    }
  });

  it("writes what it could read and exits 2 when one namespace is forbidden", async () => {
    api.setRules([{ ...RBAC[0]!, namespaces: ["shop"] }, ...RBAC.slice(1)]);
    try {
      const out = join(work, "partial.json");
      const run = await vigil([
        ...base(),
        "--namespace",
        "shop",
        "--namespace",
        "default",
        "--format",
        "gitlab-cluster",
        "--output",
        out,
      ]);
      expect(run.code).toBe(2);
      const report = JSON.parse(readFileSync(out, "utf8"));
      expect(gitlabSchemaErrors("cluster_image_scanning", report)).toEqual([]);
      expect(report.scan.status).toBe("failure");
      expect(countByResource(report)).toEqual({ "shop/Deployment/web/app": 3 });
      expect(report.scan.messages[0].value).toMatch(
        /may not list vulnerabilityreports\.aquasecurity\.github\.io in namespace default/,
      );
      expect(run.stderr).toMatch(
        /^vigil: error: Vigil may not list vulnerabilityreports\.aquasecurity\.github\.io in namespace default \(403 Forbidden\)/m,
      );
      expect(run.stderr).toContain("the import is partial");
    } finally {
      api.setRules(RBAC);
    }
  });

  it("fails with exit 2 and says so when the Trivy Operator is not installed", async () => {
    const bare = await startKubeApiServer({
      catalog: createResourceCatalog(
        defaultResourceCatalog().groupVersions.filter((gv) => gv.group !== GROUP),
        [],
      ),
    });
    try {
      const config = bare.kubeconfig(join(work, "bare-kubeconfig"), { context: "bare" });
      for (const args of [[], ["--namespace", "shop"]]) {
        const run = await vigil(["import", "trivy-operator", "--kubeconfig", config, ...args]);
        expect(run.code).toBe(2);
        expect(run.stdout).toBe("");
        expect(run.stderr).toContain(
          `vigil: cluster bare (${bare.url}): Trivy Operator is not installed in this cluster (no vulnerabilityreports.${GROUP}).`,
        );
        expect(run.stderr).toContain("vigil scan cluster");
      }
    } finally {
      await bare.close();
    }
  });

  it("says what to do when the API server refuses the credentials", async () => {
    const bad = api.kubeconfig(join(work, "bad-kubeconfig"), { token: "not-a-token" });
    const run = await vigil(["import", "trivy-operator", "--kubeconfig", bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot import Trivy Operator reports from cluster vigil-test/);
    expect(run.stderr).toMatch(/refused the credentials/);
  });
});
