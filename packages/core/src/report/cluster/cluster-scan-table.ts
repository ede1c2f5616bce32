import { compareSeverity, type SeverityLevel } from "../../advisory/severity-level.js";
import type { ClusterScanResult } from "../../scan/scan-cluster.js";
import { compareStringLists } from "../compare-string-lists.js";
import { renderTextTable } from "../text-table.js";

/**
 * `vigil scan cluster` for people: one line per vulnerability and image, with the workloads
 * that run the image; then per cluster the counts and every failure with its reason.
 */
export function renderClusterScanTable(results: readonly ClusterScanResult[]): string {
  const lines: string[] = [];
  const rows: { severity: SeverityLevel; cells: string[] }[] = [];
  for (const result of results) {
    for (const scan of result.images) {
      const matches = scan.result.matches?.matches ?? [];
      if (matches.length === 0) continue;
      const workloads = [
        ...new Set(
          scan.target.containers.map((c) => `${c.workload.namespace}/${c.workload.kind}/${c.workload.name}`),
        ),
      ].sort();
      const where = workloads.length === 1 ? workloads[0]! : `${workloads[0]} +${workloads.length - 1}`;
      for (const m of matches) {
        rows.push({
          severity: m.severity.level,
          cells: [
            m.severity.level.toUpperCase(),
            m.id,
            m.package.name,
            m.package.version,
            m.fixedVersion ?? (m.status === "will-not-fix" ? "(will not fix)" : ""),
            scan.reference,
            result.clusterId,
            where,
          ],
        });
      }
    }
  }
  rows.sort((a, b) => compareSeverity(b.severity, a.severity) || compareStringLists(a.cells, b.cells));
  if (rows.length > 0) {
    lines.push(
      ...renderTextTable(
        ["SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED", "IMAGE", "CLUSTER", "WORKLOADS"],
        rows.map((r) => r.cells),
      ),
      "",
    );
  } else lines.push("No vulnerabilities found.", "");

  lines.push(
    ...renderTextTable(
      [
        "CLUSTER",
        "STATUS",
        "NAMESPACES",
        "PODS",
        "CONTAINERS",
        "SKIPPED",
        "IMAGES",
        "SCANNED",
        "FAILED",
        "VULNERABILITIES",
      ],
      results.map(({ summary: s }) => [
        s.clusterId,
        s.status,
        String(s.namespaces),
        String(s.pods),
        String(s.containers),
        String(s.skippedContainers),
        String(s.uniqueImages),
        String(s.scanned),
        String(s.failed),
        String(s.vulnerabilities),
      ]),
    ),
  );
  for (const result of results) {
    if (result.failures.length === 0) continue;
    lines.push("", `${result.clusterId}: ${result.failures.length} failures (the scan is ${result.status}):`);
    for (const f of result.failures) lines.push(`  ${f.scope} ${f.subject}: ${f.reason}`);
  }
  return `${lines.join("\n")}\n`;
}
