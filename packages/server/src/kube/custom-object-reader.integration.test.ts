import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CustomObjectReader,
  KubernetesApiError,
  KubernetesConnectionError,
  listTrivyReports,
} from "@vigil/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeApiRule, KubeApiToken } from "../../../../scripts/test-env/kube-api/authorization.js";
import {
  DEFAULT_KUBE_USER,
  type RunningKubeApiServer,
  startKubeApiServer,
} from "../../../../scripts/test-env/kube-api/kube-api-server.js";
import type { KubeObject } from "../../../../scripts/test-env/kube-api/kube-object.js";
import {
  createResourceCatalog,
  defaultResourceCatalog,
} from "../../../../scripts/test-env/kube-api/resource-catalog.js";
import {
  REAL_EXAMPLES,
  readYamlObjects,
  SYNTHETIC_CURRENT,
} from "../../../core/src/import/trivy-operator/test-support/trivy-testdata.js";
import { createCustomObjectReader } from "./custom-object-reader.js";
import { loadKubeConfig } from "./kube-config.js";

// The adapter against the real-protocol test API server (scripts/test-env/kube-api), seeded with
// Trivy Operator's own report examples: custom resources served from their CRDs, paged with
// limit and continue, 403 in the server's words, 404 where the CRD is not installed.

const ADMIN: KubeApiToken = { token: "admin-token-for-custom-object-tests", user: "kubernetes-admin" };
const VIGIL: KubeApiToken = { token: "vigil-token-for-custom-object-tests", user: DEFAULT_KUBE_USER };
const GROUP = "aquasecurity.github.io";
const VULNERABILITY_REPORTS = { group: GROUP, version: "v1alpha1", plural: "vulnerabilityreports" };
/** Vigil may list VulnerabilityReports in `shop` only, and no ClusterVulnerabilityReports. */
const RULES: KubeApiRule[] = [
  { user: ADMIN.user, verbs: ["*"], resources: ["*"] },
  {
    user: VIGIL.user,
    verbs: ["list"],
    resources: ["vulnerabilityreports"],
    apiGroups: [GROUP],
    namespaces: ["shop"],
  },
];

/** The real examples, the synthetic ones, and copies of the shop report to make several pages. */
function reports(): KubeObject[] {
  const real = [REAL_EXAMPLES[1], REAL_EXAMPLES[2], REAL_EXAMPLES[3], SYNTHETIC_CURRENT].flatMap(
    (file) => readYamlObjects(file) as KubeObject[],
  );
  const web = real.find((o) => o.metadata.name === "replicaset-web-7d9f8c6b5-app")!;
  const copies = ["api", "cart", "search", "worker"].map((container) => ({
    ...web,
    metadata: {
      ...web.metadata,
      name: `replicaset-web-7d9f8c6b5-${container}`,
      uid: `uid-${container}`,
      labels: { ...web.metadata.labels, "trivy-operator.container.name": container },
    },
  }));
  return [...real, ...copies];
}

let server: RunningKubeApiServer;
let bare: RunningKubeApiServer;
let dir: string;
let admin: CustomObjectReader;
let vigil: CustomObjectReader;

function readerFor(api: RunningKubeApiServer, token: KubeApiToken, name: string): CustomObjectReader {
  const path = api.kubeconfig(join(dir, `${name}.yaml`), { context: name, token: token.token });
  return createCustomObjectReader(loadKubeConfig({ kubeconfigPath: path }).kubeConfig);
}

const names = (items: readonly unknown[]) =>
  items.map((o) => {
    const meta = (o as KubeObject).metadata;
    return meta.namespace ? `${meta.namespace}/${meta.name}` : String(meta.name);
  });

beforeAll(async () => {
  server = await startKubeApiServer({ objects: reports(), tokens: [ADMIN, VIGIL], rules: RULES });
  // A cluster without Trivy Operator: the same built-in resources, no aquasecurity.github.io CRDs.
  bare = await startKubeApiServer({
    tokens: [ADMIN],
    catalog: createResourceCatalog(
      defaultResourceCatalog().groupVersions.filter((gv) => gv.group !== GROUP),
      [],
    ),
  });
  dir = mkdtempSync(join(tmpdir(), "vigil-custom-objects-"));
  admin = readerFor(server, ADMIN, "admin");
  vigil = readerFor(server, VIGIL, "vigil");
});

afterAll(async () => {
  await server?.close();
  await bare?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("CustomObjectReader over @kubernetes/client-node against the test API server", () => {
  it("pages VulnerabilityReports of all namespaces with limit and continue, in the server's order", async () => {
    const seen: unknown[] = [];
    const tokens: string[] = [];
    let token: string | undefined;
    do {
      const page = await admin.listCustomObjects({
        ...VULNERABILITY_REPORTS,
        limit: 3,
        ...(token ? { continue: token } : {}),
      });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      token = page.continue;
      if (token) tokens.push(token);
    } while (token);
    const stored = server.list("vulnerabilityreports");
    expect(stored).toHaveLength(9);
    expect(names(seen)).toEqual(names(stored));
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens).size).toBe(2);
    // Custom resources keep apiVersion and kind in list items, as the converter needs.
    expect(seen[0]).toMatchObject({ apiVersion: `${GROUP}/v1alpha1`, kind: "VulnerabilityReport" });
    // Every page after the first asked with the previous page's token.
    const asked = server.requests.filter((r) => r.path === `/apis/${GROUP}/v1alpha1/vulnerabilityreports`);
    expect(asked.slice(-3).map((r) => [r.query.get("limit"), r.query.get("continue")])).toEqual([
      ["3", null],
      ["3", tokens[0]],
      ["3", tokens[1]],
    ]);
  });

  it("lists one namespace, and cluster-scoped ClusterVulnerabilityReports", async () => {
    const shop = await admin.listCustomObjects({ ...VULNERABILITY_REPORTS, namespace: "shop" });
    expect(names(shop.items)).toEqual([
      "shop/replicaset-web-7d9f8c6b5-api",
      "shop/replicaset-web-7d9f8c6b5-app",
      "shop/replicaset-web-7d9f8c6b5-cart",
      "shop/replicaset-web-7d9f8c6b5-search",
      "shop/replicaset-web-7d9f8c6b5-worker",
    ]);
    expect(shop.continue).toBeUndefined();
    const cluster = await admin.listCustomObjects({
      group: GROUP,
      version: "v1alpha1",
      plural: "clustervulnerabilityreports",
    });
    expect(names(cluster.items)).toEqual(["clustersbomreport-584b5cdcd5-k8s-cluster"]);
  });

  it("gives listTrivyReports every page and the whole listing", async () => {
    const listing = await listTrivyReports(admin, { pageSize: 2 });
    expect(listing.complete).toBe(true);
    expect(listing.issues).toEqual([]);
    expect(listing.objects).toHaveLength(10);
  });

  it("maps a 403 to a KubernetesApiError in the server's words, which the import turns into the missing permission", async () => {
    const error = await vigil.listCustomObjects(VULNERABILITY_REPORTS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({
      status: 403,
      reason: "Forbidden",
      verb: "list",
      resource: `vulnerabilityreports.${GROUP}`,
      serverMessage:
        `vulnerabilityreports.${GROUP} is forbidden: User "${DEFAULT_KUBE_USER}" cannot list resource ` +
        `"vulnerabilityreports" in API group "${GROUP}" at the cluster scope`,
    });
    const inShop = await vigil.listCustomObjects({ ...VULNERABILITY_REPORTS, namespace: "shop" });
    expect(inShop.items).toHaveLength(5);

    const listing = await listTrivyReports(vigil);
    expect(listing.complete).toBe(false);
    expect(listing.issues.map((i) => i.message)).toEqual([
      // Sorted by resource name.
      `Vigil may not list clustervulnerabilityreports.${GROUP} across all namespaces (403 Forbidden): its service ` +
        `account needs the verb "list" on resource "clustervulnerabilityreports" in API group "${GROUP}". Apply ` +
        "deploy/rbac.yaml (ClusterRole vigil-reader) or grant it.",
      `Vigil may not list vulnerabilityreports.${GROUP} across all namespaces (403 Forbidden): its service ` +
        `account needs the verb "list" on resource "vulnerabilityreports" in API group "${GROUP}". Apply ` +
        "deploy/rbac.yaml (ClusterRole vigil-reader) or grant it.",
    ]);
  });

  it("maps the missing CRD to 404, which the import reports as Trivy Operator not installed", async () => {
    const reader = readerFor(bare, ADMIN, "bare");
    await expect(reader.listCustomObjects(VULNERABILITY_REPORTS)).rejects.toMatchObject({
      status: 404,
      reason: "NotFound",
      serverMessage: "the server could not find the requested resource",
    });
    const listing = await listTrivyReports(reader);
    expect(listing.issues.map((i) => [i.code, i.message])).toEqual([
      [
        "trivy-operator-not-installed",
        `Trivy Operator is not installed in this cluster (no vulnerabilityreports.${GROUP}).`,
      ],
    ]);
  });

  it("answers an expired continue token with 410, and a refused token with 401, which the import throws", async () => {
    const first = await admin.listCustomObjects({ ...VULNERABILITY_REPORTS, limit: 2 });
    server.add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bump-410", namespace: "default" } });
    server.compact();
    await expect(
      admin.listCustomObjects({ ...VULNERABILITY_REPORTS, limit: 2, continue: first.continue! }),
    ).rejects.toMatchObject({ status: 410, reason: "Expired" });

    const stranger = readerFor(server, { token: "not-a-known-token", user: "nobody" }, "stranger");
    await expect(listTrivyReports(stranger)).rejects.toMatchObject({ status: 401, reason: "Unauthorized" });
  });

  it("reports an unreachable server as a KubernetesConnectionError and honours cancellation", async () => {
    const loaded = loadKubeConfig({ kubeconfigPath: join(dir, "admin.yaml") });
    const cluster = loaded.kubeConfig.getCurrentCluster()!;
    loaded.kubeConfig.clusters = [{ ...cluster, server: "https://127.0.0.1:1" }];
    const error = await createCustomObjectReader(loaded.kubeConfig)
      .listCustomObjects(VULNERABILITY_REPORTS)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesConnectionError);
    expect((error as Error).message).toMatch(
      /^Cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:1: /,
    );

    const controller = new AbortController();
    controller.abort(new Error("import cancelled"));
    await expect(
      admin.listCustomObjects({ ...VULNERABILITY_REPORTS, signal: controller.signal }),
    ).rejects.toThrow("import cancelled");
  });
});
