import { compareSeverity, type SeverityLevel } from "../../advisory/severity-level.js";
import { compareStringLists } from "../../report/compare-string-lists.js";
import { renderTextTable } from "../../report/text-table.js";
import { summarizeTrivyImport, type TrivyImportResult } from "./trivy-import-result.js";

/**
 * `vigil import trivy-operator` for people: one line per vulnerability, workload and
 * container, most severe first; then the cluster's counts. Issues go to stderr, not here.
 */
export function renderTrivyImportTable(result: TrivyImportResult): string {
  const rows: { severity: SeverityLevel; cells: string[] }[] = [];
  for (const report of result.reports) {
    const { workload } = report;
    const where = `${workload.namespace ? `${workload.namespace}/` : ""}${workload.kind}/${workload.name}`;
    for (const m of report.matches) {
      rows.push({
        severity: m.severity.level,
        cells: [
          m.severity.level.toUpperCase(),
          m.id,
          m.package.name,
          m.package.version,
          m.fixedVersion ?? (m.status === "will-not-fix" ? "(will not fix)" : ""),
          report.image.reference,
          where,
          report.containerName,
        ],
      });
    }
  }
  rows.sort((a, b) => compareSeverity(b.severity, a.severity) || compareStringLists(a.cells, b.cells));
  const lines: string[] = [];
  if (rows.length > 0) {
    lines.push(
      ...renderTextTable(
        ["SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED", "IMAGE", "WORKLOAD", "CONTAINER"],
        rows.map((r) => r.cells),
      ),
      "",
    );
  } else lines.push("No vulnerabilities in the Trivy Operator reports.", "");
  const s = summarizeTrivyImport(result);
  lines.push(
    ...renderTextTable(
      ["CLUSTER", "STATUS", "REPORTS", "WORKLOADS", "IMAGES", "VULNERABILITIES"],
      [
        [
          result.clusterId,
          result.status,
          String(s.reports),
          String(s.workloads),
          String(s.images),
          String(s.vulnerabilities),
        ],
      ],
    ),
  );
  return `${lines.join("\n")}\n`;
}
