import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../../../scripts/test-env/env.js";
import type { KubeApiRule } from "../../../scripts/test-env/kube-api/authorization.js";
import {
  type RunningKubeApiServer,
  startKubeApiServer,
} from "../../../scripts/test-env/kube-api/kube-api-server.js";
import type { KubeObject } from "../../../scripts/test-env/kube-api/kube-object.js";
import { gitlabSchemaErrors } from "../../core/src/report/gitlab/test-support/gitlab-schemas.js";
import { spawnVigil } from "./test-support/spawn-vigil.js";

// `vigil scan cluster` as users run it: the built bin against the test Kubernetes API server
// (real REST protocol) and the real registries, one of them behind basic auth that only the
// cluster's pull secret unlocks.
const env = testEnv();
const work = mkdtempSync(join(tmpdir(), "vigil-cli-cluster-"));
const secdb = join(import.meta.dirname, "testdata/secdb");
const digestOf = (tag: string): string =>
  JSON.parse(readFileSync(join(env.expectedDir, `${tag}.json`), "utf8")).manifestDigest as string;
const alpine = digestOf("alpine-3.11");
const minbase = digestOf("minbase");
const started = "2023-03-01T08:00:00Z";

// What deploy/rbac.yaml grants, except pods cluster-wide and in secret-team.
const namespaceRule: KubeApiRule = { user: "*", verbs: ["list", "watch"], resources: ["namespaces"] };
const otherRules: KubeApiRule[] = [
  { user: "*", verbs: ["list", "watch"], resources: ["pods"], namespaces: ["shop", "batch"] },
  { user: "*", verbs: ["get"], resources: ["serviceaccounts", "secrets"] },
  { user: "*", verbs: ["get", "list"], resources: ["replicasets", "jobs"] },
];
const rules: KubeApiRule[] = [namespaceRule, ...otherRules];

let api: RunningKubeApiServer;
let kubeconfig: string;

const vigil = (args: string[]) => spawnVigil(work, args);

function pod(options: {
  namespace: string;
  name: string;
  owner?: { kind: string; name: string; apiVersion: string };
  labels?: Record<string, string>;
  image: string;
  imageID: string;
  pullSecret?: string;
  serviceAccount?: string;
  waiting?: boolean;
  init?: { image: string; imageID: string };
}): KubeObject {
  const container = (name: string, image: string, imageID: string, state: object) => ({
    name,
    image,
    imageID,
    ready: true,
    started: true,
    restartCount: 0,
    state,
    containerID: `containerd://${name}-${options.name}`,
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: options.labels ?? {},
      ...(options.owner
        ? { ownerReferences: [{ ...options.owner, uid: `uid-${options.owner.name}`, controller: true }] }
        : {}),
    },
    spec: {
      serviceAccountName: options.serviceAccount ?? "default",
      ...(options.pullSecret ? { imagePullSecrets: [{ name: options.pullSecret }] } : {}),
      ...(options.init ? { initContainers: [{ name: "setup", image: options.init.image }] } : {}),
      containers: [{ name: "app", image: options.image }],
    },
    status: {
      phase: options.waiting ? "Pending" : "Running",
      startTime: started,
      ...(options.init
        ? {
            initContainerStatuses: [
              container("setup", options.init.image, options.init.imageID, {
                terminated: { exitCode: 0, reason: "Completed", startedAt: started, finishedAt: started },
              }),
            ],
          }
        : {}),
      containerStatuses: [
        options.waiting
          ? {
              name: "app",
              image: options.image,
              imageID: "",
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: "ContainerCreating" } },
            }
          : container("app", options.image, options.imageID, { running: { startedAt: started } }),
      ],
    },
  };
}

beforeAll(async () => {
  const auth = Buffer.from(`${env.registryUser}:${env.registryPassword}`).toString("base64");
  const dockerconfigjson = Buffer.from(JSON.stringify({ auths: { [env.authRegistry]: { auth } } })).toString(
    "base64",
  );
  const rs = (ns: string, name: string, deployment: string): KubeObject => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: ns,
      uid: `uid-${name}`,
      labels: { "pod-template-hash": name.split("-").at(-1)! },
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
  });
  const job = (ns: string, name: string, cronjob: string): KubeObject => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: ns,
      uid: `uid-${name}`,
      ownerReferences: [
        { apiVersion: "batch/v1", kind: "CronJob", name: cronjob, uid: `uid-${cronjob}`, controller: true },
      ],
    },
    spec: {},
  });
  const authAlpine = `${env.authRegistry}/vigil/alpine-3.11`;
  const plainMinbase = `${env.registry}/vigil/minbase`;
  api = await startKubeApiServer({
    objects: [
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "regcred", namespace: "shop" },
        type: "kubernetes.io/dockerconfigjson",
        data: { ".dockerconfigjson": dockerconfigjson },
      },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "regcred", namespace: "batch" },
        type: "kubernetes.io/dockerconfigjson",
        data: { ".dockerconfigjson": dockerconfigjson },
      },
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "runner", namespace: "batch" },
        imagePullSecrets: [{ name: "regcred" }],
      },
      rs("shop", "web-7d4b9c8f5", "web"),
      job("batch", "report-28934700", "report"),
      ...["x2k9p", "m4q7z"].map((s) =>
        pod({
          namespace: "shop",
          name: `web-7d4b9c8f5-${s}`,
          owner: { kind: "ReplicaSet", name: "web-7d4b9c8f5", apiVersion: "apps/v1" },
          labels: { app: "web", "pod-template-hash": "7d4b9c8f5" },
          image: `${authAlpine}:latest`,
          imageID: `${authAlpine}@${alpine}`,
          pullSecret: "regcred",
        }),
      ),
      pod({
        namespace: "shop",
        name: "db-0",
        owner: { kind: "StatefulSet", name: "db", apiVersion: "apps/v1" },
        image: `${plainMinbase}:latest`,
        imageID: `${plainMinbase}@${minbase}`,
      }),
      pod({
        namespace: "shop",
        name: "web-7d4b9c8f5-pend1",
        owner: { kind: "ReplicaSet", name: "web-7d4b9c8f5", apiVersion: "apps/v1" },
        image: `${authAlpine}:latest`,
        imageID: "",
        waiting: true,
      }),
      // The pull secret comes from the service account here, and the init container's image too.
      pod({
        namespace: "batch",
        name: "report-28934700-abcde",
        owner: { kind: "Job", name: "report-28934700", apiVersion: "batch/v1" },
        image: `${authAlpine}:latest`,
        imageID: `${authAlpine}@${alpine}`,
        serviceAccount: "runner",
        init: { image: `${plainMinbase}:latest`, imageID: `${plainMinbase}@${minbase}` },
      }),
      pod({
        namespace: "secret-team",
        name: "hidden",
        image: `${plainMinbase}:latest`,
        imageID: `${plainMinbase}@${minbase}`,
      }),
    ],
    rules,
  });
  kubeconfig = api.kubeconfig(join(work, "kubeconfig"), { context: "prod-eu" });
  const imported = await vigil(["db", "import", secdb]);
  expect(imported.code, imported.stderr).toBe(0);
});

afterAll(async () => {
  await api?.close();
  rmSync(work, { recursive: true, force: true });
});

const baseArgs = () => ["scan", "cluster", "--kubeconfig", kubeconfig, "--ca-file", env.registryCaFile];

describe("vigil scan cluster", () => {
  it("scans each running digest once, with the pods' own pull secrets, and names the workloads", async () => {
    const out = join(work, "report.json");
    const run = await vigil([
      ...baseArgs(),
      "--namespace",
      "shop",
      "--namespace",
      "batch",
      "--format",
      "json",
      "--output",
      out,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(1); // findings, complete scan
    const doc = JSON.parse(readFileSync(out, "utf8"));
    const [cluster] = doc.clusters;
    expect(cluster.clusterId).toBe("prod-eu");
    expect(cluster.status).toBe("complete");
    expect(cluster.summary).toMatchObject({
      namespaces: 2,
      pods: 5,
      containers: 5,
      skippedContainers: 1,
      uniqueImages: 2,
      scanned: 2,
      failed: 0,
    });
    expect(
      cluster.skippedContainers.map((s: { pod: string; reason: string }) => `${s.pod} ${s.reason}`),
    ).toEqual(["web-7d4b9c8f5-pend1 container-waiting"]);
    const images = new Map(cluster.images.map((i: { digest: string }) => [i.digest, i]));
    const alp = images.get(alpine) as {
      status: string;
      reference: string;
      containers: { workload: object; pod: string; type: string }[];
      matches: unknown[];
    };
    expect(alp.status).toBe("complete");
    expect(alp.reference).toBe(`${env.authRegistry}/vigil/alpine-3.11@${alpine}`);
    expect(alp.containers.map((c) => c.workload)).toEqual([
      { kind: "CronJob", name: "report", namespace: "batch", apiVersion: "batch/v1" },
      { kind: "Deployment", name: "web", namespace: "shop", apiVersion: "apps/v1" },
      { kind: "Deployment", name: "web", namespace: "shop", apiVersion: "apps/v1" },
    ]);
    expect(alp.matches.length).toBeGreaterThan(0);
    const min = images.get(minbase) as {
      containers: { pod: string; type: string; workload: { kind: string } }[];
    };
    expect(min.containers.map((c) => `${c.pod}/${c.type}/${c.workload.kind}`)).toEqual([
      "report-28934700-abcde/init/CronJob",
      "db-0/container/StatefulSet",
    ]);
  });

  it("writes a valid GitLab cluster_image_scanning report naming Deployments, not ReplicaSets", async () => {
    const out = join(work, "gl-cluster-image-scanning-report.json");
    const run = await vigil([
      ...baseArgs(),
      "--namespace",
      "shop",
      "--namespace",
      "batch",
      "--format",
      "gitlab-cluster",
      "--agent-id",
      "42",
      "--output",
      out,
    ]);
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(gitlabSchemaErrors("cluster_image_scanning", report)).toEqual([]);
    expect(report.scan.type).toBe("cluster_image_scanning");
    expect(report.scan.status).toBe("success");
    const resources = new Set(
      report.vulnerabilities.map((v: { location: { kubernetes_resource: Record<string, string> } }) =>
        JSON.stringify(v.location.kubernetes_resource),
      ),
    );
    expect(
      [...resources].map((r) => JSON.parse(r as string)).sort((a, b) => a.name.localeCompare(b.name)),
    ).toEqual([
      {
        namespace: "batch",
        kind: "CronJob",
        name: "report",
        container_name: "app",
        cluster_id: "prod-eu",
        agent_id: "42",
      },
      {
        namespace: "shop",
        kind: "Deployment",
        name: "web",
        container_name: "app",
        cluster_id: "prod-eu",
        agent_id: "42",
      },
    ]);
  });

  it("reports a forbidden namespace as a partial scan, exits 2, and 1 with --allow-partial", async () => {
    const namespaces = ["--namespace", "shop", "--namespace", "batch", "--namespace", "secret-team"];
    const run = await vigil([...baseArgs(), ...namespaces]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^prod-eu\s+partial\s+2\s+5\s+5\s+1\s+2\s+2\s+0\s+\d+$/m);
    expect(run.stdout).toContain(
      'namespace secret-team: cannot list pods in namespace "secret-team": pods is forbidden: User "system:serviceaccount:vigil:vigil" cannot list resource "pods" in API group "" in the namespace "secret-team". Grant list on pods in this namespace (bind the ClusterRole in deploy/rbac.yaml)',
    );
    const allowed = await vigil([...baseArgs(), ...namespaces, "--allow-partial"]);
    expect(allowed.code).toBe(1);
  });

  it("lists pods namespace by namespace when they cannot be listed cluster-wide: partial, failing only the forbidden namespace", async () => {
    const run = await vigil([...baseArgs()]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^prod-eu\s+partial\s+2\s+5\s+5\s+1\s+2\s+2\s+0\s+\d+$/m);
    expect(run.stdout).toContain("prod-eu: 1 failures (the scan is partial):");
    expect(run.stdout).toContain(
      'namespace secret-team: cannot list pods in namespace "secret-team": pods is forbidden: User "system:serviceaccount:vigil:vigil" cannot list resource "pods" in API group "" in the namespace "secret-team". Grant list on pods in this namespace (bind the ClusterRole in deploy/rbac.yaml)',
    );

    const out = join(work, "fallback.json");
    const json = await vigil([...baseArgs(), "--format", "json", "--output", out]);
    expect(json.code).toBe(2);
    const [cluster] = JSON.parse(readFileSync(out, "utf8")).clusters;
    expect(cluster.status).toBe("partial");
    expect(cluster.failures).toEqual([
      expect.objectContaining({ scope: "namespace", subject: "secret-team" }),
    ]);
    const scannedPods = cluster.images.flatMap((i: { containers: { namespace: string; pod: string }[] }) =>
      i.containers.map((c) => `${c.namespace}/${c.pod}`),
    );
    expect([...new Set(scannedPods)].sort()).toEqual([
      "batch/report-28934700-abcde",
      "shop/db-0",
      "shop/web-7d4b9c8f5-m4q7z",
      "shop/web-7d4b9c8f5-x2k9p",
    ]);
    const fallback = cluster.issues.find((i: { code: string }) => i.code === "pods-listed-per-namespace");
    expect(fallback).toMatchObject({ severity: "info" });
    expect(fallback.message).toMatch(
      /^Cannot list pods cluster-wide \(pods is forbidden: .* at the cluster scope\); listed them namespace by namespace/,
    );
  });

  it("fails, naming both missing permissions and the manifest, when neither pods nor namespaces can be listed cluster-wide", async () => {
    api.setRules(otherRules);
    try {
      const run = await vigil([...baseArgs()]);
      expect(run.code).toBe(2);
      expect(run.stdout).toMatch(/^prod-eu\s+failed\s/m);
      expect(run.stdout).toMatch(
        /cannot list pods cluster-wide: pods is forbidden: .* at the cluster scope; cannot list namespaces either, to list pods namespace by namespace: namespaces is forbidden: .* at the cluster scope\. Grant list on pods and list on namespaces cluster-wide \(bind the ClusterRole in deploy\/rbac\.yaml\)/,
      );
    } finally {
      api.setRules(rules);
    }
  });

  it("fails the image, not the scan, when the pull secret is missing, and never writes the password anywhere", async () => {
    api.remove("Secret", "shop", "regcred");
    api.remove("Secret", "batch", "regcred");
    try {
      const out = join(work, "nosecret.json");
      const run = await vigil([
        ...baseArgs(),
        "--namespace",
        "shop",
        "--namespace",
        "batch",
        "--format",
        "json",
        "--output",
        out,
        "--no-cache",
      ]);
      expect(run.code).toBe(2);
      const cluster = JSON.parse(readFileSync(out, "utf8")).clusters[0];
      expect(cluster.status).toBe("partial");
      const failure = cluster.failures.find((f: { scope: string }) => f.scope === "image");
      expect(failure.subject).toBe(`${env.authRegistry}/vigil/alpine-3.11@${alpine}`);
      expect(failure.reason).toMatch(/401|auth|credential/i);
      expect(cluster.issues.some((i: { message: string }) => /regcred/.test(i.message))).toBe(true);
    } finally {
      const auth = Buffer.from(`${env.registryUser}:${env.registryPassword}`).toString("base64");
      for (const namespace of ["shop", "batch"]) {
        api.add({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "regcred", namespace },
          type: "kubernetes.io/dockerconfigjson",
          data: {
            ".dockerconfigjson": Buffer.from(
              JSON.stringify({ auths: { [env.authRegistry]: { auth } } }),
            ).toString("base64"),
          },
        });
      }
    }
    // Nothing the runs wrote (reports, caches, database) holds the pull secret's password.
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) =>
        statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)],
      );
    for (const file of files(work)) {
      if (file.endsWith("kubeconfig")) continue;
      expect(readFileSync(file).includes(env.registryPassword), file).toBe(false);
    }
  });

  it("reads the owners of a namespace's many ReplicaSets with one list; with get only, one by one and an info issue", async () => {
    // SYNTHETIC: namespace fleet runs four Deployments, one pod each, all on minbase.
    const deployments = ["api", "auth", "cart", "docs"];
    const added = deployments.flatMap((deployment) => {
      const rsName = `${deployment}-6c8f7d9b5`;
      return [
        api.add({
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          metadata: {
            name: rsName,
            namespace: "fleet",
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
        }),
        api.add(
          pod({
            namespace: "fleet",
            name: `${rsName}-q7x2k`,
            owner: { kind: "ReplicaSet", name: rsName, apiVersion: "apps/v1" },
            labels: { "pod-template-hash": "6c8f7d9b5" },
            image: `${env.registry}/vigil/minbase:latest`,
            imageID: `${env.registry}/vigil/minbase@${minbase}`,
          }),
        ),
      ];
    });
    const withFleet = (owners: string[]): KubeApiRule[] => [
      namespaceRule,
      { user: "*", verbs: ["list", "watch"], resources: ["pods"], namespaces: ["fleet"] },
      { user: "*", verbs: ["get"], resources: ["serviceaccounts", "secrets"] },
      { user: "*", verbs: owners, resources: ["replicasets", "jobs"] },
    ];
    const scanFleet = async (name: string) => {
      const out = join(work, name);
      const mark = api.requests.length;
      const run = await vigil([...baseArgs(), "--namespace", "fleet", "--format", "json", "--output", out]);
      expect(run.code, run.stderr).toBe(0); // minbase has no findings in the test database
      const [cluster] = JSON.parse(readFileSync(out, "utf8")).clusters;
      expect(cluster.status).toBe("complete");
      const workloads = cluster.images.flatMap(
        (i: { containers: { workload: { kind: string; name: string } }[] }) =>
          i.containers.map((c) => `${c.workload.kind}/${c.workload.name}`),
      );
      const owners = api.requests
        .slice(mark)
        .map((r) => r.path)
        .filter((path) => path.includes("/replicasets"))
        .sort();
      return { cluster, workloads, owners };
    };
    try {
      api.setRules(withFleet(["get", "list"]));
      const listed = await scanFleet("fleet-list.json");
      expect(listed.workloads).toEqual(deployments.map((d) => `Deployment/${d}`));
      expect(listed.owners).toEqual(["/apis/apps/v1/namespaces/fleet/replicasets"]);
      expect(listed.cluster.issues.filter((i: { code: string }) => i.code.startsWith("owner-"))).toEqual([]);

      api.setRules(withFleet(["get"]));
      const got = await scanFleet("fleet-get.json");
      expect(got.workloads).toEqual(listed.workloads);
      expect(got.owners).toEqual([
        "/apis/apps/v1/namespaces/fleet/replicasets",
        ...deployments.map((d) => `/apis/apps/v1/namespaces/fleet/replicasets/${d}-6c8f7d9b5`),
      ]);
      const issues = got.cluster.issues.filter((i: { code: string }) => i.code.startsWith("owner-"));
      expect(issues).toEqual([expect.objectContaining({ severity: "info", code: "owner-list-failed" })]);
      expect(issues[0].message).toMatch(
        /^Cannot list ReplicaSets in namespace "fleet" \(403 Forbidden: replicasets\.apps is forbidden: .*\); read the 4 its pods name one by one instead\. Grant list on replicasets\.apps/,
      );
    } finally {
      api.setRules(rules);
      for (const o of added) api.remove(o.kind as string, "fleet", o.metadata.name as string);
      api.remove("Namespace", undefined, "fleet");
    }
  });

  it("says what to do when the API server refuses the credentials", async () => {
    const bad = api.kubeconfig(join(work, "bad-kubeconfig"), { token: "not-a-token" });
    const run = await vigil(["scan", "cluster", "--kubeconfig", bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot scan cluster vigil-test/);
    expect(run.stderr).toMatch(/refused the credentials|Unauthorized/i);
  });
});
