import { reconcileFindings, type ScanCoverage } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { findingChangesOf } from "../scans/finding-changes.js";
import { toFinding } from "../store/finding-record.js";
import { at, finding } from "../store/test-support/store-fixtures.js";
import { eventsOfRematch, eventsOfScan } from "./event-builders.js";
import { findingNoticesOf } from "./finding-notices.js";

const COMPLETE: ScanCoverage = {
  status: "complete",
  scope: { namespaces: "all" },
  uncoveredNamespaces: [],
  uncovered: [],
};

// The real path of a scan: reconcile, the rows it writes, then the notices of those rows.
describe("finding notices", () => {
  const resolved = finding("f1", {
    identity: { advisoryId: "CVE-2024-0001", packageName: "openssl" },
    state: "resolved",
    resolvedAt: at(5),
    severity: "critical",
  });
  const becomesKev = finding("f2", {
    identity: { advisoryId: "CVE-2024-0002", packageName: "zlib" },
    severity: "low",
  });
  const kevAlready = finding("f3", {
    identity: { advisoryId: "CVE-2024-0003", packageName: "curl" },
    kev: true,
    severity: "medium",
  });
  const stored = [resolved, becomesKev, kevAlready];
  const detectionOf = (f: ReturnType<typeof finding>) => ({ identity: f.identity, details: f.details });
  const fresh = finding("ignored", {
    identity: { advisoryId: "CVE-2024-0004", packageName: "musl" },
    severity: "high",
  });
  const kevAdvisories = new Set(["CVE-2024-0002", "CVE-2024-0003"]);

  const reconcileAndWrite = (mode: "scan" | "rematch") => {
    const reconciled = reconcileFindings({
      clusterId: "c1",
      scanId: "s1",
      now: new Date(at(10)),
      coverage: COMPLETE,
      detections: [...stored, fresh].map(detectionOf),
      previous: stored.map(toFinding),
    });
    let n = 0;
    const changes = findingChangesOf({
      reconciled,
      stored,
      now: new Date(at(10)),
      newId: () => `new-${++n}`,
      enrichmentOf: (f) => ({ kev: kevAdvisories.has(f.identity.advisoryId) }),
      mode,
    });
    return findingNoticesOf(reconciled, stored, changes.findings);
  };

  it("are the created, reopened and newly KEV-listed findings as written, under their stored ids", () => {
    const notices = reconcileAndWrite("scan");
    expect(notices.map((n) => [n.change, n.id, n.advisoryId, n.severity, n.kev])).toEqual(
      expect.arrayContaining([
        ["reopened", "f1", "CVE-2024-0001", "critical", false],
        ["kev", "f2", "CVE-2024-0002", "low", true],
        ["created", "new-1", "CVE-2024-0004", "high", false],
      ]),
    );
    // f3 was KEV-listed before: nothing new about it
    expect(notices).toHaveLength(3);
    expect(notices.find((n) => n.id === "new-1")).toEqual({
      change: "created",
      id: "new-1",
      advisoryId: "CVE-2024-0004",
      aliases: ["DSA-5600-1"],
      severity: "high",
      kev: false,
      clusterId: "c1",
      namespace: "shop",
      workloadKind: "Deployment",
      workloadName: "web",
      containerName: "app",
      packageName: "musl",
      installedVersion: "3.0.13-1",
      fixedVersion: "3.0.14-1",
      image: "registry.local/shop/web:1",
      imageDigest: "sha256:aaaa",
    });
  });

  it("become findings.new (all severities, most severe first) and finding.kev; a failed scan adds scan.failed", () => {
    let n = 0;
    const stamp = { newId: () => `e${++n}`, at: at(10) };
    const notices = reconcileAndWrite("scan");
    const events = eventsOfScan(
      {
        scanId: "s1",
        clusterId: "c1",
        status: "partial",
        failures: [{ scope: "image", subject: "x", reason: "401" }],
        notices,
      },
      stamp,
    );
    expect(events.map((e) => e.type)).toEqual(["findings.new", "finding.kev", "scan.failed"]);
    const [created, kev, failed] = events;
    expect(created).toMatchObject({ id: "e1", counts: { critical: 1, high: 1 } });
    expect(created).toMatchObject({ findings: [{ id: "f1" }, { id: "new-1" }] });
    expect(kev).toMatchObject({ total: 1, findings: [{ id: "f2", change: "kev" }] });
    expect(failed).toMatchObject({
      status: "partial",
      failureCount: 1,
      failures: [{ subject: "x", reason: "401" }],
    });
    // nothing changed, complete: no event at all
    expect(eventsOfScan({ scanId: "s2", clusterId: "c1", status: "complete", notices: [] }, stamp)).toEqual(
      [],
    );
  });

  it("of a re-match count each advisory's distinct workloads and clusters", () => {
    const notice = (id: string, clusterId: string, workloadName: string, containerName = "app") => ({
      change: "created" as const,
      id,
      advisoryId: "GHSA-aaaa-bbbb-cccc",
      aliases: ["CVE-2024-1234"],
      severity: "high" as const,
      kev: false,
      clusterId,
      namespace: "shop",
      workloadKind: "Deployment",
      workloadName,
      containerName,
      packageName: "lodash",
      installedVersion: "4.17.20",
      image: "web:1",
      imageDigest: "sha256:1",
    });
    const [event] = eventsOfRematch(
      {
        revision: "r2",
        notices: [
          notice("1", "eu", "web"),
          notice("2", "eu", "web", "sidecar"),
          notice("3", "eu", "api"),
          notice("4", "us", "web"),
        ],
      },
      { newId: () => "e1", at: at(0) },
    );
    expect(event).toEqual({
      type: "advisory.affects",
      id: "e1",
      at: at(0),
      revision: "r2",
      totalAdvisories: 1,
      advisories: [
        {
          advisoryId: "GHSA-aaaa-bbbb-cccc",
          aliases: ["CVE-2024-1234"],
          severity: "high",
          kev: false,
          findings: 4,
          workloads: 3,
          clusters: 2,
        },
      ],
    });
  });
});
