import { describe, expect, it } from "vitest";
import type { SkippedContainer } from "../discover/discover-running-containers.js";
import type { Match } from "../model/match.js";
import type { PackageType } from "../model/package.js";
import type { RunningContainer } from "../model/running-container.js";
import type { ClusterScanResult } from "../scan/scan-cluster.js";
import type { ImageTargetScan } from "../scan/scan-cluster-images.js";
import { detectionsOfClusterScan } from "./detections-of-cluster-scan.js";
import type { Finding } from "./finding.js";
import { reconcileFindings } from "./reconcile-findings.js";
import { CLUSTER, finding, t } from "./test-support/findings-fixtures.js";

const digest = (c: string) => `sha256:${c.repeat(64)}`;

function container(
  namespace: string,
  kind: string,
  name: string,
  containerName: string,
  pod: string,
  image: string,
  startedAt?: string,
): RunningContainer {
  const d = digest(image.at(-1)!);
  return {
    clusterId: CLUSTER,
    namespace,
    pod,
    workload: { kind, name, namespace },
    containerName,
    containerType: "container",
    image,
    imageId: `${image}@${d}`,
    digest: d,
    pullReference: `${image}@${d}`,
    ...(startedAt ? { startedAt } : {}),
    pullSecrets: [],
  };
}

function match(
  type: PackageType,
  name: string,
  version: string,
  id: string,
  path: string,
  fixed?: string,
): Match {
  return {
    id,
    aliases: [`GHSA-${id.slice(-4)}`],
    advisoryIds: [id],
    package: {
      type,
      name,
      version,
      purl: `pkg:${type}/${name}@${version}`,
      foundBy: type === "npm" ? "lang/npm" : "os/dpkg",
      location: { layerDigest: digest("9"), layerIndex: 0, path },
    },
    matchedVia: "binary",
    matchedName: name,
    matchedVersion: version,
    ecosystem: type === "npm" ? "npm" : "Debian:12",
    comparator: type === "npm" ? "semver" : "deb",
    range: {
      kind: "range",
      rangeIndex: 0,
      rangeType: "ECOSYSTEM",
      introduced: "0",
      ...(fixed ? { fixed } : {}),
    },
    ...(fixed ? { fixedVersion: fixed } : {}),
    status: fixed ? "fixed" : "affected",
    severity: { level: "high", source: "cvss-v3", score: 7.5 },
    references: [],
  };
}

function imageScan(
  containers: readonly RunningContainer[],
  status: "complete" | "partial" | "failed",
  matches: readonly Match[] = [],
): ImageTargetScan {
  const first = containers[0]!;
  const stage = { status: status === "complete" ? ("succeeded" as const) : status, durationMs: 1 };
  return {
    target: { digest: first.digest, references: [first.pullReference], containers },
    reference: first.pullReference,
    result: {
      status,
      ...(status === "complete"
        ? {}
        : { error: status === "failed" ? "the scan was cancelled before this image" : "layer 2 truncated" }),
      layers: [],
      ...(status === "failed" ? {} : { matches: { matches, issues: [] } }),
      stages: { inventory: stage, match: stage },
    },
    failedAttempts: [],
  };
}

function skipped(namespace: string, pod: string, name: string, workload?: string): SkippedContainer {
  return {
    namespace,
    pod,
    container: name,
    containerType: "container",
    reason: workload ? "container-waiting" : "pod-finished",
    message: workload ? "waiting: ImagePullBackOff" : "the pod has finished",
    ...(workload ? { workload: { kind: "Deployment", name: workload, namespace } } : {}),
  };
}

function clusterScan(
  status: ClusterScanResult["status"],
  images: readonly ImageTargetScan[],
  extra: { skipped?: readonly SkippedContainer[]; failedNamespaces?: readonly string[] } = {},
): ClusterScanResult {
  const containers = images.flatMap((s) => s.target.containers);
  const failures = (extra.failedNamespaces ?? []).map((namespace) => ({
    scope: "namespace" as const,
    namespace,
    reason: `pods in namespace "${namespace}" are forbidden`,
  }));
  return {
    clusterId: CLUSTER,
    status,
    startedAt: t("12:00"),
    finishedAt: t("12:05"),
    discovery: {
      status: failures.length > 0 ? "partial" : "complete",
      containers,
      skipped: extra.skipped ?? [],
      failures,
      issues: [],
      stats: { namespaces: 3, pods: containers.length, containers: containers.length, skipped: 0 },
    },
    images,
    failures: [],
    issues: [],
    summary: {
      clusterId: CLUSTER,
      status,
      namespaces: 3,
      pods: containers.length,
      containers: containers.length,
      skippedContainers: 0,
      uniqueImages: images.length,
      scanned: images.filter((s) => s.result.status === "complete").length,
      failed: images.filter((s) => s.result.status !== "complete").length,
      vulnerabilities: 0,
    },
  };
}

// shop/api runs api:1.0 in two pods and, mid-rollout, api:1.1 in a third.
const api1a = container(
  "shop",
  "Deployment",
  "api",
  "app",
  "api-1",
  "registry.example.com/shop/api:1.0-a",
  "2026-03-01T06:00:00Z",
);
const api1b = container(
  "shop",
  "Deployment",
  "api",
  "app",
  "api-2",
  "registry.example.com/shop/api:1.0-a",
  "2026-03-01T08:00:00Z",
);
const api2 = container(
  "shop",
  "Deployment",
  "api",
  "app",
  "api-3",
  "registry.example.com/shop/api:1.1-b",
  "2026-03-01T10:00:00Z",
);
const web = container(
  "shop",
  "Deployment",
  "web",
  "app",
  "web-1",
  "registry.example.com/shop/web:3-c",
  "2026-03-01T05:00:00Z",
);
const ledger = container(
  "billing",
  "StatefulSet",
  "ledger",
  "db",
  "ledger-0",
  "registry.example.com/db:16-d",
);
const agent = container(
  "shop",
  "DaemonSet",
  "agent",
  "agent",
  "agent-x",
  "registry.example.com/agent:1-e",
  "bad time",
);

const opensslOld = match(
  "deb",
  "openssl",
  "3.0.11-1~deb12u1",
  "CVE-2023-5678",
  "/var/lib/dpkg/status",
  "3.0.11-1~deb12u2",
);
const opensslNew = match(
  "deb",
  "openssl",
  "3.0.13-1~deb12u1",
  "CVE-2023-5678",
  "/var/lib/dpkg/status",
  "3.0.14-1~deb12u1",
);
const lodashApp = match(
  "npm",
  "lodash",
  "4.17.11",
  "CVE-2019-10744",
  "/app/node_modules/lodash/package.json",
  "4.17.12",
);
const lodashTool = match(
  "npm",
  "lodash",
  "4.17.4",
  "CVE-2019-10744",
  "/app/node_modules/tool/node_modules/lodash/package.json",
  "4.17.12",
);
const pgMatch = match("deb", "libpq5", "16.1-1", "CVE-2024-0985", "/var/lib/dpkg/status");

const images = [
  imageScan([api1a, api1b], "complete", [opensslOld, lodashApp, lodashTool]),
  imageScan([api2], "complete", [opensslNew]),
  imageScan([web], "failed"),
  imageScan([ledger], "partial", [pgMatch]),
  imageScan([agent], "complete", []),
];

describe("detectionsOfClusterScan", () => {
  const partial = clusterScan("partial", images, {
    skipped: [skipped("shop", "worker-7f9-x", "worker", "worker"), skipped("shop", "migrate-abc", "migrate")],
    failedNamespaces: ["kube-system"],
  });
  const result = detectionsOfClusterScan(partial, {
    scope: { namespaces: "all", excludeNamespaces: ["dev"] },
  });

  it("fans each image's matches out to every workload container running it, one detection per identity", () => {
    expect(
      result.detections.map((d) => [
        `${d.identity.namespace}/${d.identity.workloadKind}/${d.identity.workloadName}/${d.identity.containerName}`,
        d.identity.packageName,
        d.identity.advisoryId,
        d.details.imageDigest,
        d.details.packageVersion,
        d.runningSince?.toISOString(),
      ]),
    ).toEqual([
      ["billing/StatefulSet/ledger/db", "libpq5", "CVE-2024-0985", digest("d"), "16.1-1", undefined],
      [
        "shop/Deployment/api/app",
        "lodash",
        "CVE-2019-10744",
        digest("a"),
        "4.17.11",
        "2026-03-01T06:00:00.000Z",
      ],
      // Mid-rollout: details of the newest pod's image, running since the oldest pod started.
      [
        "shop/Deployment/api/app",
        "openssl",
        "CVE-2023-5678",
        digest("b"),
        "3.0.13-1~deb12u1",
        "2026-03-01T06:00:00.000Z",
      ],
    ]);
    expect(result.detections.every((d) => d.identity.clusterId === CLUSTER)).toBe(true);
  });

  it("takes the details of the match and the container", () => {
    const openssl = result.detections.find((d) => d.identity.packageName === "openssl")!;
    expect(openssl.details).toEqual({
      imageDigest: digest("b"),
      image: "registry.example.com/shop/api:1.1-b",
      packageType: "deb",
      packageVersion: "3.0.13-1~deb12u1",
      purl: "pkg:deb/openssl@3.0.13-1~deb12u1",
      path: "/var/lib/dpkg/status",
      layerDigest: digest("9"),
      fixedVersion: "3.0.14-1~deb12u1",
      matchStatus: "fixed",
      severity: { level: "high", source: "cvss-v3", score: 7.5 },
      aliases: ["GHSA-5678"],
    });
  });

  it("gives the same detections whatever the order of images and containers", () => {
    const shuffled = clusterScan(
      "partial",
      [
        imageScan([agent], "complete", []),
        imageScan([ledger], "partial", [pgMatch]),
        imageScan([api2], "complete", [opensslNew]),
        imageScan([api1b, api1a], "complete", [lodashTool, lodashApp, opensslOld]),
        imageScan([web], "failed"),
      ],
      { skipped: [skipped("shop", "worker-7f9-x", "worker", "worker")], failedNamespaces: ["kube-system"] },
    );
    expect(detectionsOfClusterScan(shuffled, { scope: { namespaces: "all" } }).detections).toEqual(
      result.detections,
    );
  });

  it("keeps the scan's status and scope, and lists what it did not cover", () => {
    expect(result.clusterId).toBe(CLUSTER);
    expect(result.coverage).toEqual({
      status: "partial",
      scope: { namespaces: "all", excludeNamespaces: ["dev"] },
      uncoveredNamespaces: ["kube-system"],
      uncovered: [
        // A partially read image: its matches count, its absences do not.
        { namespace: "billing", workloadKind: "StatefulSet", workloadName: "ledger", containerName: "db" },
        // A failed image.
        { namespace: "shop", workloadKind: "Deployment", workloadName: "web", containerName: "app" },
        // A waiting container of a live pod; the finished pod's container is not listed.
        { namespace: "shop", workloadKind: "Deployment", workloadName: "worker", containerName: "worker" },
      ],
      observed: [
        { namespace: "billing", workloadKind: "StatefulSet", workloadName: "ledger", containerName: "db" },
        { namespace: "shop", workloadKind: "DaemonSet", workloadName: "agent", containerName: "agent" },
        { namespace: "shop", workloadKind: "Deployment", workloadName: "api", containerName: "app" },
        { namespace: "shop", workloadKind: "Deployment", workloadName: "web", containerName: "app" },
      ],
    });
  });
});

describe("detectionsOfClusterScan into reconcileFindings", () => {
  const previous: Finding[] = [
    finding({ identity: { workloadName: "api", packageName: "openssl" } }),
    finding({ identity: { workloadKind: "DaemonSet", workloadName: "agent", containerName: "agent" } }),
    finding({ identity: { workloadName: "worker", containerName: "worker" } }),
    finding({ identity: { workloadName: "web" } }),
    finding({ identity: { workloadName: "deleted-app" } }),
    finding({ identity: { namespace: "kube-system", workloadKind: "DaemonSet", workloadName: "proxy" } }),
  ];
  const outcome = (scan: ClusterScanResult) => {
    const { clusterId, coverage, detections } = detectionsOfClusterScan(scan, {
      scope: { namespaces: "all" },
    });
    const { transitions } = reconcileFindings({
      clusterId,
      coverage,
      detections,
      previous,
      now: t("12:10"),
      scanId: "s-1",
    });
    return transitions
      .filter((tr) => tr.kind !== "created")
      .map(
        (tr) =>
          `${tr.finding.identity.namespace}/${tr.finding.identity.workloadName} ${tr.kind}${tr.gap ? ` ${tr.gap}` : ""}`,
      );
  };
  const waiting = skipped("shop", "worker-7f9-x", "worker", "worker");

  it.each([
    {
      name: "a partial scan (an image failed, a namespace forbidden) resolves nothing",
      scan: clusterScan("partial", images, { skipped: [waiting], failedNamespaces: ["kube-system"] }),
      gap: "scan-not-complete",
    },
    {
      name: "a timed-out scan (images cancelled) resolves nothing",
      scan: clusterScan("partial", [images[0]!, imageScan([agent, web], "failed")], { skipped: [waiting] }),
      gap: "scan-not-complete",
    },
    {
      name: "a failed scan resolves nothing",
      scan: clusterScan("failed", [], {}),
      gap: "scan-not-complete",
    },
  ])("$name", ({ scan, gap }) => {
    const lines = outcome(scan);
    expect(lines.filter((l) => l.includes("resolved"))).toEqual([]);
    expect(lines.filter((l) => l.endsWith(gap)).length).toBeGreaterThan(0);
  });

  it("a complete scan resolves what it covers and no longer detects, not the waiting container's findings", () => {
    const scan = clusterScan(
      "complete",
      [images[0]!, images[1]!, images[4]!, imageScan([web], "complete", [])],
      {
        skipped: [waiting, skipped("shop", "migrate-abc", "migrate")],
      },
    );
    expect(outcome(scan)).toEqual([
      "kube-system/proxy resolved",
      "shop/agent resolved",
      "shop/api still-detected",
      "shop/deleted-app resolved",
      "shop/web resolved",
      "shop/worker unchanged-not-covered workload-uncovered",
    ]);
  });
});
