import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { httpRequest } from "../http-request.js";
import type { KubeStatus } from "./api-status.js";
import { INCONSISTENT_CONTINUE_MESSAGE } from "./api-status.js";
import type { KubeApiToken } from "./authorization.js";
import { decodeContinue } from "./continue-token.js";
import { DEFAULT_KUBE_USER, type RunningKubeApiServer, startKubeApiServer } from "./kube-api-server.js";
import type { KubeObject } from "./kube-object.js";
import { realClusterObjects } from "./real-cluster-seed.js";
import { getJson, openWatch } from "./test-client.js";

// The test API server's protocol over plain HTTP requests: what a client without kubectl sees.

interface List {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

const ADMIN: KubeApiToken = { token: "admin-token", user: "kubernetes-admin" };
const VIGIL: KubeApiToken = { token: "vigil-token", user: DEFAULT_KUBE_USER };

const names = (list: List): string[] =>
  list.items.map((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`);

function pod(name: string, namespace = "default", labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: "app", image: "registry.example.com/app:1" }] },
    status: { phase: "Running" },
  };
}

/** Lists every page with `limit`, following continue tokens from `token` on; returns the pages. */
async function allPages(
  server: RunningKubeApiServer,
  path: string,
  limit: number,
  token?: string,
): Promise<List[]> {
  const pages: List[] = [];
  do {
    const sep = path.includes("?") ? "&" : "?";
    const query = `limit=${limit}${token ? `&continue=${encodeURIComponent(token)}` : ""}`;
    const res = await getJson<List>(server, `${path}${sep}${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res.body);
    token = res.body.metadata.continue;
  } while (token);
  return pages;
}

describe("discovery", () => {
  let server: RunningKubeApiServer;
  beforeAll(async () => {
    server = await startKubeApiServer({ tls: false });
  });
  afterAll(() => server.close());

  it("serves /version, legacy /api with its own address, and /apis with the CRD group", async () => {
    expect((await getJson(server, "/version")).body).toMatchObject({ major: "1", minor: "32" });
    const api = await getJson<{ kind: string; versions: string[]; serverAddressByClientCIDRs: unknown[] }>(
      server,
      "/api",
    );
    expect(api.body.kind).toBe("APIVersions");
    expect(api.body.versions).toEqual(["v1"]);
    expect(api.body.serverAddressByClientCIDRs).toEqual([
      { clientCIDR: "0.0.0.0/0", serverAddress: new URL(server.url).host },
    ]);
    const apis = await getJson<{ groups: { name: string; preferredVersion: { groupVersion: string } }[] }>(
      server,
      "/apis",
    );
    expect(apis.body.groups.map((g) => g.preferredVersion.groupVersion)).toEqual([
      "apps/v1",
      "batch/v1",
      "aquasecurity.github.io/v1alpha1",
    ]);
  });

  it("publishes the Trivy Operator CRDs like apiextensions does, and watch for apps/v1", async () => {
    const crd = await getJson<{ resources: Record<string, unknown>[] }>(
      server,
      "/apis/aquasecurity.github.io/v1alpha1",
    );
    expect(crd.body.resources).toEqual([
      expect.objectContaining({
        name: "vulnerabilityreports",
        singularName: "vulnerabilityreport",
        namespaced: true,
        kind: "VulnerabilityReport",
        shortNames: ["vuln", "vulns"],
      }),
      expect.objectContaining({
        name: "clustervulnerabilityreports",
        namespaced: false,
        shortNames: ["clustervuln"],
      }),
    ]);
    const group = await getJson(server, "/apis/apps");
    expect(group.body).toEqual({
      kind: "APIGroup",
      apiVersion: "v1",
      name: "apps",
      versions: [{ groupVersion: "apps/v1", version: "v1" }],
      preferredVersion: { groupVersion: "apps/v1", version: "v1" },
    });
    const apps = await getJson<{ resources: { name: string; verbs: string[] }[] }>(server, "/apis/apps/v1");
    expect(apps.body.resources.find((r) => r.name === "deployments")?.verbs).toContain("watch");
  });

  it("answers aggregated discovery with the content type client-go checks", async () => {
    const accept =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    const res = await getJson<{
      kind: string;
      items: { metadata: { name?: string }; versions: unknown[] }[];
    }>(server, "/apis", { accept });
    expect(res.contentType).toBe("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    expect(res.body.kind).toBe("APIGroupDiscoveryList");
    expect(res.body.items.map((i) => i.metadata.name)).toEqual(["apps", "batch", "aquasecurity.github.io"]);
    const core = await getJson<{
      items: { versions: { resources: { resource: string; scope: string }[] }[] }[];
    }>(server, "/api", { accept });
    const resources = core.body.items[0]?.versions[0]?.resources ?? [];
    expect(resources.find((r) => r.resource === "pods")).toMatchObject({ scope: "Namespaced" });
    expect(resources.find((r) => r.resource === "namespaces")).toMatchObject({ scope: "Cluster" });
  });
});

describe("errors", () => {
  let server: RunningKubeApiServer;
  beforeAll(async () => {
    server = await startKubeApiServer({
      objects: realClusterObjects(),
      tokens: [ADMIN, VIGIL],
      rules: [
        { user: ADMIN.user, verbs: ["*"], resources: ["*"] },
        {
          user: VIGIL.user,
          verbs: ["list", "get"],
          resources: ["pods"],
          apiGroups: [""],
          namespaces: ["default"],
        },
      ],
    });
  });
  afterAll(() => server.close());

  it("401 without a token or with an unknown one", async () => {
    const unauthorized = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "Unauthorized",
      reason: "Unauthorized",
      code: 401,
    };
    for (const token of [null, "wrong"]) {
      const res = await getJson<KubeStatus>(server, "/api/v1/pods", { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(unauthorized);
    }
  });

  it("403 with the apiserver's wording for namespaced, named, cluster-scoped and grouped requests", async () => {
    const as = { token: VIGIL.token };
    const user = `User "${DEFAULT_KUBE_USER}"`;
    const list = await getJson<KubeStatus>(server, "/api/v1/namespaces/kube-system/pods", as);
    expect(list.status).toBe(403);
    expect(list.body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `pods is forbidden: ${user} cannot list resource "pods" in API group "" in the namespace "kube-system"`,
      reason: "Forbidden",
      details: { kind: "pods" },
      code: 403,
    });
    const get = await getJson<KubeStatus>(server, "/api/v1/namespaces/kube-system/pods/x", as);
    expect(get.body.message).toBe(
      `pods "x" is forbidden: ${user} cannot get resource "pods" in API group "" in the namespace "kube-system"`,
    );
    expect(get.body.details).toEqual({ name: "x", kind: "pods" });
    const all = await getJson<KubeStatus>(server, "/api/v1/pods", as);
    expect(all.body.message).toBe(
      `pods is forbidden: ${user} cannot list resource "pods" in API group "" at the cluster scope`,
    );
    const deployments = await getJson<KubeStatus>(server, "/apis/apps/v1/namespaces/default/deployments", as);
    expect(deployments.body.message).toBe(
      `deployments.apps is forbidden: ${user} cannot list resource "deployments" in API group "apps" in the namespace "default"`,
    );
    expect(deployments.body.details).toEqual({ group: "apps", kind: "deployments" });
    // a list on one metadata.name is authorized as a request for that name, like apiserver's RequestInfo
    const byName = await getJson<KubeStatus>(
      server,
      "/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3Dweb-0",
      as,
    );
    expect(byName.body.message).toBe(
      `pods "web-0" is forbidden: ${user} cannot watch resource "pods" in API group "" in the namespace "default"`,
    );
    expect((await getJson(server, "/api/v1/namespaces/default/pods", as)).status).toBe(200);
  });

  it("404 for unknown objects and resources, 405 for writes", async () => {
    const pod = await getJson<KubeStatus>(server, "/api/v1/namespaces/default/pods/nope");
    expect(pod.status).toBe(404);
    expect(pod.body).toMatchObject({
      message: 'pods "nope" not found',
      reason: "NotFound",
      details: { name: "nope", kind: "pods" },
    });
    const deployment = await getJson<KubeStatus>(server, "/apis/apps/v1/namespaces/default/deployments/nope");
    expect(deployment.body).toMatchObject({
      message: 'deployments.apps "nope" not found',
      details: { name: "nope", group: "apps", kind: "deployments" },
    });
    const resource = await getJson<KubeStatus>(server, "/api/v1/widgets");
    expect(resource.status).toBe(404);
    expect(resource.body.message).toBe("the server could not find the requested resource");
    const unknownPath = await httpRequest(`${server.url}/nothing-here`, {
      caFile: server.caFile,
      headers: { authorization: `Bearer ${ADMIN.token}` },
    });
    expect(unknownPath.status).toBe(404);
    const write = await httpRequest(`${server.url}/api/v1/namespaces/default/pods/web-0`, {
      method: "DELETE",
      caFile: server.caFile,
      headers: { authorization: `Bearer ${ADMIN.token}` },
    });
    expect(write.status).toBe(405);
    expect(JSON.parse(write.body.toString()).reason).toBe("MethodNotAllowed");
  });

  it("400 for bad selectors and continue tokens, 422 for invalid list options", async () => {
    const field = await getJson<KubeStatus>(server, "/api/v1/pods?fieldSelector=spec.foo%3Dbar");
    expect(field.status).toBe(400);
    expect(field.body.message).toBe("field label not supported: spec.foo");
    const label = await getJson<KubeStatus>(server, "/api/v1/pods?labelSelector=a%20in%20b");
    expect(label.status).toBe(400);
    const token = await getJson<KubeStatus>(server, "/api/v1/pods?limit=2&continue=bm90LWpzb24");
    expect(token.status).toBe(400);
    expect(token.body.message).toMatch(/^invalid continue token: continue key is not valid: /);
    const match = await getJson<KubeStatus>(server, "/api/v1/pods?resourceVersionMatch=Exact");
    expect(match.status).toBe(422);
    expect(match.body.message).toBe(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
  });
});

describe("get and list", () => {
  let server: RunningKubeApiServer;
  beforeEach(async () => {
    server = await startKubeApiServer({ objects: realClusterObjects(), tokens: [ADMIN] });
    return () => server.close();
  });

  it("stores objects under the served version with fresh resourceVersions and keeps real uids", async () => {
    const cronjob = await getJson<KubeObject>(server, "/apis/batch/v1/namespaces/default/cronjobs/hello");
    expect(cronjob.body.apiVersion).toBe("batch/v1"); // batch/v1beta1 in the k9s dump
    const rs = await getJson<KubeObject>(
      server,
      "/apis/apps/v1/namespaces/icx/replicasets/icx-db-7d4b578979",
    );
    expect(rs.body.apiVersion).toBe("apps/v1"); // networking.k8s.io/v1 in the k9s dump
    expect(rs.body.metadata.selfLink).toBeUndefined();
    const web = await getJson<KubeObject>(server, "/api/v1/namespaces/default/pods/web-0");
    expect((await getJson<KubeObject>(server, "/api/v1/namespaces/default/pods/web-0/status")).body).toEqual(
      web.body,
    );
    expect((await getJson(server, "/api/v1/namespaces/default/pods/web-0/log")).status).toBe(404);
    expect(web.body.metadata.uid).toBe("58fd3633-e33d-4067-89aa-1ba99aa6e856");
    expect(Number(web.body.metadata.resourceVersion)).toBeLessThanOrEqual(server.resourceVersion);
    const secrets = server.list("secrets").map((s) => s.metadata.uid);
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it("lists built-in items without apiVersion/kind, custom resources with them", async () => {
    const pods = await getJson<List>(server, "/api/v1/pods");
    expect(pods.body.kind).toBe("PodList");
    expect(pods.body.apiVersion).toBe("v1");
    expect(pods.body.metadata).toEqual({ resourceVersion: String(server.resourceVersion) });
    expect(pods.body.items).toHaveLength(11);
    expect(pods.body.items.every((p) => p.apiVersion === undefined && p.kind === undefined)).toBe(true);
    const reports = await getJson<List>(server, "/apis/aquasecurity.github.io/v1alpha1/vulnerabilityreports");
    expect(reports.body.kind).toBe("VulnerabilityReportList");
    expect(reports.body.items.map((r) => r.kind)).toEqual(["VulnerabilityReport", "VulnerabilityReport"]);
  });

  it("selects by label (equality and set-based) and by field", async () => {
    const select = async (query: string) =>
      names((await getJson<List>(server, `/api/v1/pods?${new URLSearchParams(query)}`)).body);
    expect(await select("labelSelector=app=nginx")).toEqual([
      "default/nginx-7fb78fb6d8-2w75j",
      "default/nginx-84f5585d68-42mxd",
      "default/web-0",
    ]);
    expect(await select("labelSelector=app=nginx,pod-template-hash!=84f5585d68")).toEqual([
      "default/nginx-7fb78fb6d8-2w75j",
      "default/web-0",
    ]);
    expect(await select("labelSelector=app in (node-agent,kubevuln-scheduler)")).toEqual([
      "kubescape/kubevuln-scheduler-28677846-pdblz",
      "kubescape/node-agent-4l822",
    ]);
    expect(await select("labelSelector=job-name,!batch.kubernetes.io/job-name")).toEqual([
      "default/nginx-job-88b9z",
    ]);
    expect((await select("labelSelector=!app")).length).toBe(6);
    expect(await select("fieldSelector=status.phase=Succeeded")).toEqual([
      "default/hello-28686821-dj5bf",
      "kubescape/kubevuln-scheduler-28677846-pdblz",
    ]);
    expect(await select("fieldSelector=metadata.namespace!=default,metadata.name!=node-agent-4l822")).toEqual(
      ["kube-system/cilium-operator-55658fb5c4-rxtnl", "kubescape/kubevuln-scheduler-28677846-pdblz"],
    );
  });

  it("pages with limit and continue in key order, with remainingItemCount only without selectors", async () => {
    const pages = await allPages(server, "/api/v1/pods", 3);
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 3, 2]);
    expect(pages.flatMap(names)).toEqual(
      server.list("pods").map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
    );
    expect(pages.map((p) => p.metadata.remainingItemCount)).toEqual([8, 5, 2, undefined]);
    expect(new Set(pages.map((p) => p.metadata.resourceVersion))).toEqual(
      new Set([String(server.resourceVersion)]),
    );
    expect(decodeContinue(pages[0]?.metadata.continue ?? "")).toEqual({
      resourceVersion: server.resourceVersion,
      startKey: "default/nginx\u0000",
    });
    const selected = await getJson<List>(
      server,
      "/api/v1/namespaces/default/pods?limit=2&labelSelector=app%3Dnginx",
    );
    expect(selected.body.items).toHaveLength(2);
    expect(selected.body.metadata.continue).toBeDefined();
    expect(selected.body.metadata.remainingItemCount).toBeUndefined();
  });

  it("serves later pages from the first page's snapshot while the cluster changes", async () => {
    const first = (await getJson<List>(server, "/api/v1/namespaces/default/pods?limit=2")).body;
    const snapshot = first.metadata.resourceVersion;
    server.add(pod("zzz-added-later"));
    server.remove("Pod", "default", "web-0");
    const sleep = server.get("Pod", "default", "sleep") as KubeObject;
    server.update({ ...sleep, metadata: { ...sleep.metadata, labels: { changed: "yes" } } });
    const pages = [
      first,
      ...(await allPages(server, "/api/v1/namespaces/default/pods", 2, first.metadata.continue)),
    ];
    const items = pages.flatMap((p) => p.items);
    expect(items.map((p) => p.metadata.name)).toContain("web-0");
    expect(items.map((p) => p.metadata.name)).not.toContain("zzz-added-later");
    expect(items.find((p) => p.metadata.name === "sleep")?.metadata.labels).toBeUndefined();
    expect(pages.every((p) => p.metadata.resourceVersion === snapshot)).toBe(true);
    // a fresh list sees the changes
    const now = await getJson<List>(server, "/api/v1/namespaces/default/pods");
    expect(now.body.items.map((p) => p.metadata.name)).toContain("zzz-added-later");
    expect(Number(now.body.metadata.resourceVersion)).toBe(server.resourceVersion);
  });

  it("answers 410 Expired for a continue token older than the compaction point, with a token that goes on", async () => {
    const first = (await getJson<List>(server, "/api/v1/pods?limit=4")).body;
    server.add(pod("zz-compaction-trigger"));
    server.compact();
    const expired = await getJson<KubeStatus>(
      server,
      `/api/v1/pods?limit=4&continue=${encodeURIComponent(first.metadata.continue ?? "")}`,
    );
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({
      status: "Failure",
      reason: "Expired",
      code: 410,
      message: INCONSISTENT_CONTINUE_MESSAGE,
    });
    expect(expired.body.message).toBe(
      "The provided continue parameter is too old to display a consistent list result. You can start a new list " +
        "without the continue parameter, or use the continue token in this response to retrieve the remainder of " +
        "the results. Continuing with the provided token results in an inconsistent list - objects that were " +
        "created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
    );
    const inconsistent = decodeContinue(expired.body.metadata.continue ?? "");
    expect(inconsistent.resourceVersion).toBe(-1);
    const rest = await allPages(server, "/api/v1/pods", 4, expired.body.metadata.continue);
    const all = [...names(first), ...rest.flatMap(names)];
    expect(all).toContain("default/zz-compaction-trigger");
    expect(all).toHaveLength(12);
  });

  it("follows the resourceVersion rules of list: 0, Exact, NotOlderThan, too old, too new", async () => {
    const before = server.resourceVersion;
    server.add(pod("later"));
    const base = "/api/v1/namespaces/default/pods";
    const any = await getJson<List>(server, `${base}?resourceVersion=0&limit=2`);
    expect(any.body.items).toHaveLength(9); // the watch cache ignores limit
    expect(any.body.metadata.continue).toBeUndefined();
    const exact = await getJson<List>(server, `${base}?resourceVersion=${before}&resourceVersionMatch=Exact`);
    expect(exact.body.metadata.resourceVersion).toBe(String(before));
    expect(exact.body.items.map((p) => p.metadata.name)).not.toContain("later");
    // without resourceVersionMatch, a limit makes resourceVersion exact (the legacy rule)
    const legacy = await getJson<List>(server, `${base}?resourceVersion=${before}&limit=100`);
    expect(legacy.body.metadata.resourceVersion).toBe(String(before));
    const notOlder = await getJson<List>(server, `${base}?resourceVersion=${before}`);
    expect(notOlder.body.metadata.resourceVersion).toBe(String(server.resourceVersion));
    server.compact();
    const tooOld = await getJson<KubeStatus>(
      server,
      `${base}?resourceVersion=${before}&resourceVersionMatch=Exact`,
    );
    expect(tooOld.status).toBe(410);
    expect(tooOld.body).toMatchObject({
      reason: "Expired",
      message: "The resourceVersion for the provided list is too old.",
    });
    const tooNew = await getJson<KubeStatus>(server, `${base}?resourceVersion=${server.resourceVersion + 5}`);
    expect(tooNew.status).toBe(504);
    expect(tooNew.body).toMatchObject({
      reason: "Timeout",
      message: `Too large resource version: ${server.resourceVersion + 5}, current: ${server.resourceVersion}`,
    });
    const both = await getJson<KubeStatus>(server, `${base}?limit=1`);
    const withRv = await getJson<KubeStatus>(
      server,
      `${base}?resourceVersion=5&continue=${both.body.metadata.continue}`,
    );
    expect(withRv.status).toBe(400);
    expect(withRv.body.message).toBe("specifying resource version is not allowed when using continue");
  });

  it("answers Accept: as=Table with the columns of the real printers", async () => {
    const accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    const table = await getJson<{
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    }>(server, "/api/v1/namespaces", { accept });
    expect(table.body.kind).toBe("Table");
    expect(table.body.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Status", "Age"]);
    expect(table.body.rows.map((r) => r.cells.slice(0, 2))).toEqual([
      ["default", "Active"],
      ["icx", "Active"],
      ["kube-system", "Active"],
      ["kubescape", "Active"],
    ]);
  });
});

describe("watch", () => {
  let server: RunningKubeApiServer;
  beforeEach(async () => {
    server = await startKubeApiServer({
      objects: realClusterObjects(),
      tokens: [ADMIN],
      bookmarkIntervalMs: 3_600_000,
    });
    return () => server.close();
  });

  it("streams ADDED, MODIFIED, DELETED after the list's resourceVersion as chunked NDJSON", async () => {
    const list = (await getJson<List>(server, "/api/v1/namespaces/default/pods")).body;
    const watch = await openWatch(
      server,
      `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${list.metadata.resourceVersion}`,
    );
    try {
      expect(watch.status).toBe(200);
      expect(watch.headers["transfer-encoding"]).toBe("chunked");
      expect(watch.headers["content-type"]).toBe("application/json");
      server.add(pod("elsewhere", "kube-system")); // another namespace: not on this watch
      const added = server.add(pod("watched"));
      const updated = server.update({ ...added, status: { phase: "Succeeded" } });
      const deleted = server.remove("pods", "default", "watched");
      const events = [await watch.next(), await watch.next(), await watch.next()];
      expect(events.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion])).toEqual([
        ["ADDED", "watched", added.metadata.resourceVersion],
        ["MODIFIED", "watched", updated.metadata.resourceVersion],
        ["DELETED", "watched", deleted.metadata.resourceVersion],
      ]);
      expect(events[0]?.object.kind).toBe("Pod");
      expect(Number(deleted.metadata.resourceVersion)).toBe(server.resourceVersion);
    } finally {
      watch.close();
    }
  });

  it("replays changes after an older resourceVersion, and sends ERROR 410 once it is compacted", async () => {
    const start = server.resourceVersion;
    server.add(pod("one"));
    server.add(pod("two"));
    const replay = await openWatch(server, `/api/v1/pods?watch=1&resourceVersion=${start}`);
    expect([(await replay.next()).object.metadata.name, (await replay.next()).object.metadata.name]).toEqual([
      "one",
      "two",
    ]);
    replay.close();
    server.compact();
    const old = await openWatch(server, `/api/v1/pods?watch=1&resourceVersion=${start}`);
    expect(old.status).toBe(200);
    const [error, ...rest] = await old.ended();
    expect(rest).toEqual([]);
    expect(error).toEqual({
      type: "ERROR",
      object: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `too old resource version: ${start} (${server.compactedResourceVersion})`,
        reason: "Expired",
        code: 410,
      },
    });
  });

  it("starts with ADDED for the current state without a resourceVersion; sendInitialEvents ends them with a bookmark", async () => {
    const plain = await openWatch(server, "/api/v1/namespaces/kubescape/pods?watch=true");
    expect([(await plain.next()).type, (await plain.next()).object.metadata.name]).toEqual([
      "ADDED",
      "node-agent-4l822",
    ]);
    plain.close();
    const rv = server.resourceVersion;
    const initial = await openWatch(
      server,
      `/api/v1/namespaces/kubescape/pods?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=${rv}`,
    );
    const events = [await initial.next(), await initial.next(), await initial.next()];
    initial.close();
    expect(events.map((e) => e.type)).toEqual(["ADDED", "ADDED", "BOOKMARK"]);
    expect(events[2]?.object).toEqual({
      kind: "Pod",
      apiVersion: "v1",
      metadata: {
        resourceVersion: String(rv),
        creationTimestamp: null,
        annotations: { "k8s.io/initial-events-end": "true" },
      },
    });
  });

  it("filters by selectors, turning objects that leave or enter the selection into DELETED and ADDED", async () => {
    const watch = await openWatch(
      server,
      `/api/v1/pods?watch=true&labelSelector=tier%3Dweb&resourceVersion=${server.resourceVersion}`,
    );
    try {
      const web = server.add(pod("web-pod", "default", { tier: "web" }));
      server.add(pod("db-pod", "default", { tier: "db" }));
      server.update({ ...web, metadata: { ...web.metadata, labels: { tier: "db" } } });
      server.update({ ...web, metadata: { ...web.metadata, labels: { tier: "web" } } });
      const events = [await watch.next(), await watch.next(), await watch.next()];
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
        "ADDED web-pod",
        "DELETED web-pod",
        "ADDED web-pod",
      ]);
      // the DELETED of an object that left the selection carries its last matching content
      expect(events[1]?.object.metadata).toMatchObject({ labels: { tier: "web" } });
      expect(Number(events[1]?.object.metadata.resourceVersion)).toBe(
        Number(events[0]?.object.metadata.resourceVersion) + 2,
      );
    } finally {
      watch.close();
    }
  });

  it("sends bookmarks when allowed and ends the stream at timeoutSeconds", async () => {
    const watch = await openWatch(
      server,
      `/apis/apps/v1/deployments?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${server.resourceVersion}`,
    );
    server.sendBookmarks();
    const bookmark = await watch.next();
    expect(bookmark).toEqual({
      type: "BOOKMARK",
      object: {
        kind: "Deployment",
        apiVersion: "apps/v1",
        metadata: { resourceVersion: String(server.resourceVersion), creationTimestamp: null },
      },
    });
    const started = Date.now();
    expect(await watch.ended(3000)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("watches custom resources and the legacy /watch/ path for one object", async () => {
    const watch = await openWatch(
      server,
      `/apis/aquasecurity.github.io/v1alpha1/watch/namespaces/kube-system/vulnerabilityreports/replicaset-coredns-558bd4d5db-coredns?resourceVersion=${server.resourceVersion}`,
    );
    try {
      const report = server.get(
        "vulnerabilityreports",
        "kube-system",
        "replicaset-coredns-558bd4d5db-coredns",
      ) as KubeObject;
      server.add({ ...report, metadata: { name: "another", namespace: "kube-system" } });
      server.update({
        ...report,
        report: { ...(report.report as object), updateTimestamp: "2025-05-20T00:00:00Z" },
      });
      const event = await watch.next();
      expect(event.type).toBe("MODIFIED");
      expect(event.object.kind).toBe("VulnerabilityReport");
      expect(event.object.metadata.name).toBe("replicaset-coredns-558bd4d5db-coredns");
    } finally {
      watch.close();
    }
  });
});
