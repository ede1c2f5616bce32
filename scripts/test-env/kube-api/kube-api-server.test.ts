import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { KubeApiRule, KubeApiToken } from "./authorization.js";
import { DEFAULT_KUBE_USER, type RunningKubeApiServer, startKubeApiServer } from "./kube-api-server.js";
import { type KubectlContext, runKubectl, spawnKubectl } from "./kubectl.js";
import { realClusterObjects } from "./real-cluster-seed.js";
import { getJson } from "./test-client.js";

// The test API server checked against the real kubectl: if kubectl is happy with discovery,
// tables, pagination, watches and errors, clients built on client-go conventions will be too.

const ADMIN: KubeApiToken = { token: "admin-token-for-tests", user: "kubernetes-admin" };
const VIGIL: KubeApiToken = { token: "vigil-token-for-tests", user: DEFAULT_KUBE_USER };
const RULES: KubeApiRule[] = [
  { user: ADMIN.user, verbs: ["*"], resources: ["*"] },
  // a RoleBinding-like grant: Vigil may read pods in `default` only
  {
    user: VIGIL.user,
    verbs: ["get", "list", "watch"],
    resources: ["pods"],
    apiGroups: [""],
    namespaces: ["default"],
  },
];

let server: RunningKubeApiServer;
let dir: string;
let admin: KubectlContext;
let vigil: KubectlContext;

beforeAll(async () => {
  server = await startKubeApiServer({ objects: realClusterObjects(), tokens: [ADMIN, VIGIL], rules: RULES });
  dir = mkdtempSync(join(tmpdir(), "vigil-kube-api-"));
  const cacheDir = join(dir, "cache");
  admin = { kubeconfig: server.kubeconfig(join(dir, "admin.yaml"), { namespace: "default" }), cacheDir };
  vigil = {
    kubeconfig: server.kubeconfig(join(dir, "vigil.yaml"), { context: "vigil", token: VIGIL.token }),
    cacheDir,
  };
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("kubectl against the test API server", () => {
  it("get pods -A -o json returns exactly the seeded pods, in key order", async () => {
    const result = await runKubectl(admin, ["get", "pods", "-A", "-o", "json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as { kind: string; items: unknown[] };
    expect(list.kind).toBe("List");
    const seeded = server.list("pods");
    expect(seeded).toHaveLength(11);
    expect(list.items).toEqual(seeded);
    // kubectl asked with its default chunk size
    const request = server.requests.findLast((r) => r.path === "/api/v1/pods");
    expect(request?.query.get("limit")).toBe("500");
  });

  it("get pods --chunk-size=2 -o name pages through the namespace with continue tokens", async () => {
    const before = server.requests.length;
    const result = await runKubectl(admin, ["get", "pods", "-n", "default", "--chunk-size=2", "-o", "name"]);
    expect(result.code, result.stderr).toBe(0);
    const expected = server.list("pods", "default").map((pod) => `pod/${pod.metadata.name}`);
    expect(expected).toHaveLength(8);
    expect(result.stdout.trim().split("\n")).toEqual(expected);
    const pages = server.requests.slice(before).filter((r) => r.path === "/api/v1/namespaces/default/pods");
    expect(pages).toHaveLength(4);
    expect(pages.map((r) => r.query.get("limit"))).toEqual(["2", "2", "2", "2"]);
    expect(pages[0]?.query.get("continue")).toBeNull();
    expect(pages.slice(1).every((r) => r.query.get("continue"))).toBe(true);
  });

  it("get vulnerabilityreports -A finds the CRD through discovery and prints its printer columns", async () => {
    const result = await runKubectl(admin, ["get", "vulnerabilityreports", "-A"]);
    expect(result.code, result.stderr).toBe(0);
    const [header, ...rows] = result.stdout.trim().split("\n");
    expect(header?.split(/\s+/)).toEqual(["NAMESPACE", "NAME", "REPOSITORY", "TAG", "SCANNER", "AGE"]);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 5))).toEqual([
      ["default", "replicaset-nginx-6d4cf56db6-nginx", "library/nginx", "1.16", "Trivy"],
      ["kube-system", "replicaset-coredns-558bd4d5db-coredns", "coredns/coredns", "v1.8.0", "Trivy"],
    ]);
    const wide = await runKubectl(admin, ["get", "vulns", "-n", "kube-system", "-o", "wide"]);
    expect(wide.stdout.split("\n")[0]?.split(/\s+/)).toEqual([
      "NAME",
      "REPOSITORY",
      "TAG",
      "SCANNER",
      "AGE",
      "CRITICAL",
      "HIGH",
      "MEDIUM",
      "LOW",
      "UNKNOWN",
    ]);
    const cluster = await runKubectl(admin, ["get", "clustervulnerabilityreports", "-o", "name"]);
    expect(cluster.stdout.trim()).toBe(
      "clustervulnerabilityreport.aquasecurity.github.io/clustersbomreport-584b5cdcd5-k8s-cluster",
    );
  });

  it("get ns lists the seeded and the implied namespaces", async () => {
    const result = await runKubectl(admin, ["get", "ns"]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]?.split(/\s+/)).toEqual(["NAME", "STATUS", "AGE"]);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
      ["default", "Active"],
      ["icx", "Active"],
      ["kube-system", "Active"],
      ["kubescape", "Active"],
    ]);
  });

  it("get pods shows the server-side pod table", async () => {
    const result = await runKubectl(admin, ["get", "pods", "-n", "kube-system"]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]?.split(/\s+/)).toEqual(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    expect(lines[1]?.split(/\s+/).slice(0, 3)).toEqual([
      "cilium-operator-55658fb5c4-rxtnl",
      "1/1",
      "Running",
    ]);
  });

  it("prints the apiserver's Forbidden message and exits 1 when RBAC refuses", async () => {
    const result = await runKubectl(vigil, ["get", "pods", "-n", "kube-system"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:vigil:vigil" cannot list ' +
        'resource "pods" in API group "" in the namespace "kube-system"',
    );
    const allowed = await runKubectl(vigil, ["get", "pods", "-n", "default", "-o", "name"]);
    expect(allowed.code, allowed.stderr).toBe(0);
  });

  it("reports Unauthorized for a token the server does not know", async () => {
    const context = {
      kubeconfig: server.kubeconfig(join(dir, "bad.yaml"), { context: "bad", token: "not-a-token" }),
      cacheDir: join(dir, "cache-bad"),
    };
    const result = await runKubectl(context, ["get", "pods"]);
    expect(result.code).toBe(1);
    // kubectl 1.32's wording of a 401 during discovery
    expect(result.stderr).toContain("error: You must be logged in to the server");
  });

  it("get pods --watch -o name prints the pods, then a pod added afterwards", async () => {
    const existing = server.list("pods", "default").map((pod) => `pod/${pod.metadata.name}`);
    const watch = spawnKubectl(admin, ["get", "pods", "--watch", "-o", "name"]);
    try {
      expect(await watch.lines(existing.length)).toEqual(existing);
      server.add({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "added-after-the-watch", namespace: "default" },
        spec: { containers: [{ name: "app", image: "registry.example.com/app:1" }] },
        status: { phase: "Pending" },
      });
      const lines = await watch.lines(existing.length + 1);
      expect(lines.at(-1)).toBe("pod/added-after-the-watch");
    } finally {
      await watch.stop();
      server.remove("Pod", "default", "added-after-the-watch");
    }
    // the watch is recorded once the server sees kubectl's connection close
    await vi.waitFor(() => {
      const request = server.requests.findLast((r) => r.query.get("watch") === "true");
      expect(request?.path).toBe("/api/v1/namespaces/default/pods");
    });
  });
});

describe("kubectl over plain HTTP", () => {
  it("gets 401: client-go sends bearer tokens only over TLS, which is why tls defaults to true", async () => {
    const plain = await startKubeApiServer({ objects: realClusterObjects(), tls: false });
    try {
      expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const context = {
        kubeconfig: plain.kubeconfig(join(dir, "plain.yaml")),
        cacheDir: join(dir, "cache-plain"),
      };
      const result = await runKubectl(context, ["get", "serviceaccounts", "-A", "-o", "name"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("error: You must be logged in to the server");
      expect(plain.requests.every((r) => r.status === 401 && r.user === undefined)).toBe(true);
      // the token works over plain HTTP for clients that send it
      const direct = await getJson<{ items: unknown[] }>(plain, "/api/v1/serviceaccounts");
      expect(direct.status).toBe(200);
      expect(direct.body.items).toHaveLength(3);
    } finally {
      await plain.close();
    }
  });
});
