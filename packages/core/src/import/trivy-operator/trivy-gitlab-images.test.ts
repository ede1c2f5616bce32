import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GitlabSecurityReport } from "../../report/gitlab/gitlab-report-format.js";
import { renderGitlabClusterImageScanning } from "../../report/gitlab/render-gitlab-report.js";
import { gitlabSchemaErrors } from "../../report/gitlab/test-support/gitlab-schemas.js";
import { convertTrivyReports } from "./convert-trivy-reports.js";
import {
  REAL_EXAMPLES,
  readYamlObjects,
  SYNTHETIC_CURRENT,
  trivyTestdata,
} from "./test-support/trivy-testdata.js";
import { trivyGitlabImages } from "./trivy-gitlab-images.js";

// The three nginx examples are one report (same namespace and name) in three versions; a
// cluster holds one of them. The Trivy Operator one with CVSS stands for it.
const FILES = [REAL_EXAMPLES[1], REAL_EXAMPLES[2], REAL_EXAMPLES[3], SYNTHETIC_CURRENT];
const converted = convertTrivyReports(FILES.flatMap(readYamlObjects));
const { images, issues } = trivyGitlabImages(converted.reports, { agentId: "42" });
const json = renderGitlabClusterImageScanning({
  scan: {
    startTime: new Date("2024-06-03T10:15:30Z"),
    endTime: new Date("2024-06-03T10:16:02Z"),
    status: "success",
  },
  tool: { version: "0.1.0" },
  images,
});
const report = JSON.parse(json) as GitlabSecurityReport;

describe("GitLab cluster image scanning report from Trivy Operator reports", () => {
  it("matches the golden, which validates against the 15.0.7 schema with zero errors", async () => {
    await expect(json).toMatchFileSnapshot(join(trivyTestdata, "gitlab-cluster-image-scanning.golden.json"));
    expect(gitlabSchemaErrors("cluster_image_scanning", report)).toEqual([]);
  });

  it("writes one vulnerability per match of every namespaced report, none of the cluster components", () => {
    const namespaced = converted.reports.filter((r) => r.workload.namespace !== "");
    expect(report.vulnerabilities).toHaveLength(namespaced.reduce((n, r) => n + r.matches.length, 0));
    expect(report.vulnerabilities).toHaveLength(8);
    expect(issues.map((i) => [i.severity, i.code, i.location.path])).toEqual([
      ["warning", "trivy-gitlab-no-namespace", "clustersbomreport-584b5cdcd5-k8s-cluster"],
    ]);
    const where = new Set(
      report.vulnerabilities.map((v) => {
        const k = v.location.kubernetes_resource!;
        return `${k.namespace}/${k.kind}/${k.name}/${k.container_name} ${v.location.image} ${v.location.operating_system}`;
      }),
    );
    expect(where).toEqual(
      new Set([
        "batch/CronJob/nightly-report/report docker.io/library/alpine:3.19.1 alpine 3.19.1",
        "default/ReplicaSet/nginx-6d4cf56db6/nginx docker.io/library/nginx:1.16 debian 10.3",
        "kube-system/ReplicaSet/coredns-558bd4d5db/coredns k8s.gcr.io/coredns/coredns:v1.8.0 Unknown",
        "shop/ReplicaSet/web-7d9f8c6b5/app registry.example.com/shop/web:1.8.0 debian 12.5",
      ]),
    );
    expect(report.vulnerabilities.every((v) => v.location.kubernetes_resource?.agent_id === "42")).toBe(true);
  });

  it("says Trivy found each finding and writes no layer, range or digest Vigil does not know", () => {
    const log4j = report.vulnerabilities.find((v) => v.identifiers[0]!.value === "CVE-2021-44228")!;
    const details = log4j.details!;
    expect(Object.keys(details).sort()).toEqual(
      ["file_path", "fix_status", "fixed_version", "imported_from", "package_url", "severity"].sort(),
    );
    expect(details.imported_from).toEqual({
      name: "Imported from",
      type: "named-list",
      items: {
        tool: { name: "Tool", type: "text", value: "Trivy Operator" },
        source: {
          name: "Read from",
          type: "text",
          value: "VulnerabilityReport shop/replicaset-web-7d9f8c6b5-app",
        },
        scanner: { name: "Scanner", type: "text", value: "Trivy 0.61.0" },
        report_updated: { name: "Report updated", type: "text", value: "2024-06-03T10:15:30Z" },
        image_digest: {
          name: "Image digest as the report records it",
          type: "text",
          value: `sha256:${"a".repeat(64)}`,
        },
        target: { name: "Target", type: "text", value: "Java" },
        class: { name: "Class", type: "text", value: "lang-pkgs" },
        package_type: { name: "Package type", type: "text", value: "jar" },
        published: { name: "Published", type: "text", value: "2021-12-10T10:15:09Z" },
        last_modified: { name: "Last modified", type: "text", value: "2024-04-03T17:15:00Z" },
      },
    });
    expect(details.file_path).toEqual({
      name: "Found in",
      type: "text",
      value: "/app/lib/log4j-core-2.14.1.jar",
    });
    expect(log4j.severity).toBe("Critical");
    expect(log4j.solution).toBe("Upgrade org.apache.logging.log4j:log4j-core to 2.15.0, 2.3.1, 2.12.2");
    expect(log4j.cvss_vectors).toEqual([
      { vendor: "unknown", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H" },
    ]);
    expect(log4j.location.dependency).toEqual({
      package: { name: "org.apache.logging.log4j:log4j-core" },
      version: "2.14.1",
    });

    // A CVSS v4 vector has no place in cvss_vectors; it stays in details.severity.
    const net = report.vulnerabilities.find((v) => v.identifiers[0]!.value === "CVE-2023-45288")!;
    expect(net.cvss_vectors).toBeUndefined();
    expect(JSON.stringify(net.details!.severity)).toContain("CVSS:4.0/");
  });

  it("keeps the ids stable for the same input", () => {
    const again = renderGitlabClusterImageScanning({
      scan: {
        startTime: new Date("2024-06-03T10:15:30Z"),
        endTime: new Date("2024-06-03T10:16:02Z"),
        status: "success",
      },
      tool: { version: "0.1.0" },
      images: trivyGitlabImages(convertTrivyReports([...FILES.flatMap(readYamlObjects)].reverse()).reports, {
        agentId: "42",
      }).images,
    });
    expect(again).toBe(json);
  });
});
