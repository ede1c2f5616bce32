import { describe, expect, it } from "vitest";
import type {
  CustomObjectList,
  CustomObjectListRequest,
  CustomObjectReader,
} from "./custom-object-reader.js";
import { importTrivyReports, listTrivyReports } from "./list-trivy-reports.js";
import { REAL_EXAMPLES, readYamlObjects, SYNTHETIC_CURRENT } from "./test-support/trivy-testdata.js";

/** An error as a Kubernetes client throws it for an error status. */
class StatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

type Answer = CustomObjectList | Error;

/**
 * A reader that answers each plural with the given pages, in order, and records the requests.
 * A list of pages is served with continue tokens `<plural>-1`, `<plural>-2` ...
 */
function fakeReader(answers: Readonly<Record<string, readonly Answer[]>>) {
  const requests: CustomObjectListRequest[] = [];
  const served: Record<string, number> = {};
  const reader: CustomObjectReader = {
    async listCustomObjects(request) {
      requests.push(request);
      const list = answers[request.plural] ?? [];
      const i = served[request.plural] ?? 0;
      served[request.plural] = i + 1;
      const answer = list[i];
      if (answer === undefined) throw new Error(`unexpected request ${i} for ${request.plural}`);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { reader, requests };
}

const namespaced = readYamlObjects(SYNTHETIC_CURRENT);
const cluster = readYamlObjects(REAL_EXAMPLES[2]);
const strip = (o: unknown) => {
  const { apiVersion: _a, kind: _k, ...rest } = o as Record<string, unknown>;
  return rest;
};

describe("listTrivyReports", () => {
  it("reads every page of both report types, the next page by the previous page's continue token", async () => {
    const { reader, requests } = fakeReader({
      vulnerabilityreports: [
        { items: [namespaced[0]], continue: "vr-1" },
        { items: [namespaced[1]], continue: "vr-2" },
        { items: [namespaced[2]] },
      ],
      clustervulnerabilityreports: [{ items: cluster, continue: "" }],
    });
    const listing = await listTrivyReports(reader, { pageSize: 1 });
    expect(listing).toEqual({ objects: [...namespaced, ...cluster], issues: [], complete: true });
    expect(requests).toEqual([
      { group: "aquasecurity.github.io", version: "v1alpha1", plural: "vulnerabilityreports", limit: 1 },
      {
        group: "aquasecurity.github.io",
        version: "v1alpha1",
        plural: "vulnerabilityreports",
        limit: 1,
        continue: "vr-1",
      },
      {
        group: "aquasecurity.github.io",
        version: "v1alpha1",
        plural: "vulnerabilityreports",
        limit: 1,
        continue: "vr-2",
      },
      {
        group: "aquasecurity.github.io",
        version: "v1alpha1",
        plural: "clustervulnerabilityreports",
        limit: 1,
      },
    ]);
  });

  it("lists one namespace only, without cluster reports, and puts back a kind a client stripped", async () => {
    const { reader, requests } = fakeReader({ vulnerabilityreports: [{ items: [strip(namespaced[0])] }] });
    const listing = await listTrivyReports(reader, { namespace: "shop" });
    expect(requests).toEqual([
      {
        group: "aquasecurity.github.io",
        version: "v1alpha1",
        plural: "vulnerabilityreports",
        namespace: "shop",
        limit: 100,
      },
    ]);
    expect(listing.objects).toEqual([namespaced[0]]);
    expect(listing.complete).toBe(true);
  });

  it("says Trivy Operator is not installed when its CRD is missing (404)", async () => {
    const { reader, requests } = fakeReader({ vulnerabilityreports: [new StatusError(404)] });
    const listing = await listTrivyReports(reader);
    expect(listing.complete).toBe(false);
    expect(listing.objects).toEqual([]);
    expect(listing.issues).toEqual([
      {
        severity: "error",
        code: "trivy-operator-not-installed",
        message:
          "Trivy Operator is not installed in this cluster (no vulnerabilityreports.aquasecurity.github.io).",
        source: "trivy-operator",
        location: { path: "vulnerabilityreports.aquasecurity.github.io" },
      },
    ]);
    expect(requests).toHaveLength(1); // no point asking for cluster reports
  });

  it("names the missing permission and deploy/rbac.yaml on 403, and reads on to the cluster reports", async () => {
    // @kubernetes/client-node's ApiException carries the status as `code`.
    const forbidden = Object.assign(new Error("Forbidden"), { code: 403 });
    const { reader } = fakeReader({
      vulnerabilityreports: [forbidden],
      clustervulnerabilityreports: [{ items: cluster }],
    });
    const listing = await listTrivyReports(reader);
    expect(listing.complete).toBe(false);
    expect(listing.objects).toEqual(cluster);
    expect(listing.issues.map((i) => [i.severity, i.code, i.message])).toEqual([
      [
        "error",
        "trivy-operator-forbidden",
        "Vigil may not list vulnerabilityreports.aquasecurity.github.io across all namespaces (403 Forbidden): its service account " +
          'needs the verb "list" on resource "vulnerabilityreports" in API group "aquasecurity.github.io". ' +
          "Apply deploy/rbac.yaml (ClusterRole vigil-reader) or grant it.",
      ],
    ]);
  });

  it("is still complete when only ClusterVulnerabilityReports are missing (older operators)", async () => {
    const { reader } = fakeReader({
      vulnerabilityreports: [{ items: namespaced }],
      clustervulnerabilityreports: [new StatusError(404)],
    });
    const listing = await listTrivyReports(reader);
    expect(listing.complete).toBe(true);
    expect(listing.issues.map((i) => [i.severity, i.code])).toEqual([
      ["info", "trivy-operator-no-cluster-reports"],
    ]);
  });

  it("starts an expired list (410) over once, and keeps what it read when it expires again", async () => {
    const once = fakeReader({
      vulnerabilityreports: [
        { items: [namespaced[0]], continue: "a" },
        new StatusError(410),
        { items: namespaced },
      ],
      clustervulnerabilityreports: [{ items: [] }],
    });
    const first = await listTrivyReports(once.reader);
    expect(first).toEqual({ objects: namespaced, issues: [], complete: true });
    expect(once.requests.map((r) => r.continue ?? "")).toEqual(["", "a", "", ""]);

    const twice = fakeReader({
      vulnerabilityreports: [
        { items: [namespaced[0]], continue: "a" },
        new StatusError(410),
        { items: [namespaced[1]], continue: "b" },
        new StatusError(410),
      ],
      clustervulnerabilityreports: [{ items: [] }],
    });
    const second = await listTrivyReports(twice.reader);
    expect(second.complete).toBe(false);
    expect(second.objects).toEqual([namespaced[1]]);
    expect(second.issues.map((i) => i.code)).toEqual(["trivy-operator-list-expired"]);
  });

  it("stops on a continue token that comes back, and on a server error, with what it read", async () => {
    const loop = fakeReader({
      vulnerabilityreports: [
        { items: [namespaced[0]], continue: "x" },
        { items: [namespaced[1]], continue: "x" },
      ],
      clustervulnerabilityreports: [new StatusError(500)],
    });
    const listing = await listTrivyReports(loop.reader);
    expect(listing.complete).toBe(false);
    expect(listing.objects).toEqual([namespaced[0], namespaced[1]]);
    expect(listing.issues.map((i) => [i.code, i.location.path])).toEqual([
      ["trivy-operator-list-failed", "clustervulnerabilityreports.aquasecurity.github.io"],
      ["trivy-operator-list-loop", "vulnerabilityreports.aquasecurity.github.io"],
    ]);
  });

  it("rejects when it cannot go on: refused credentials, no answer, cancellation", async () => {
    await expect(
      listTrivyReports(fakeReader({ vulnerabilityreports: [new StatusError(401)] }).reader),
    ).rejects.toThrow("HTTP 401");
    const down = new Error("connect ECONNREFUSED 10.0.0.1:6443");
    await expect(listTrivyReports(fakeReader({ vulnerabilityreports: [down] }).reader)).rejects.toBe(down);
    const controller = new AbortController();
    controller.abort(new Error("cancelled"));
    await expect(
      listTrivyReports(fakeReader({ vulnerabilityreports: [{ items: [] }] }).reader, {
        signal: controller.signal,
      }),
    ).rejects.toThrow("cancelled");
  });
});

describe("importTrivyReports", () => {
  it("lists and converts, with the issues of both", async () => {
    const { reader } = fakeReader({
      vulnerabilityreports: [
        { items: [...namespaced, ...readYamlObjects("trivy-operator/e2e-image-mode-04-assert.yaml")] },
      ],
      clustervulnerabilityreports: [{ items: cluster }],
    });
    const imported = await importTrivyReports(reader);
    expect(imported.complete).toBe(true);
    expect(imported.reports.map((r) => `${r.report.kind} ${r.workload.kind}/${r.workload.name}`)).toEqual([
      "ClusterVulnerabilityReport ClusterSbomReport/584b5cdcd5",
      "VulnerabilityReport CronJob/nightly-report",
      "VulnerabilityReport DaemonSet/log-shipper",
      "VulnerabilityReport ReplicaSet/web-7d9f8c6b5",
    ]);
    expect(imported.issues.map((i) => i.code)).toEqual([
      "trivy-missing-digest",
      "trivy-no-vulnerabilities",
      "trivy-not-a-vulnerability-report",
    ]);
  });
});
