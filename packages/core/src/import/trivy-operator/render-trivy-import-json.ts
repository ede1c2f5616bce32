import { summarizeTrivyImport, type TrivyImportResult } from "./trivy-import-result.js";
import { TRIVY_OPERATOR_SOURCE } from "./trivy-report.js";

/** Version of the `vigil import trivy-operator --format json` document. */
export const TRIVY_IMPORT_JSON_SCHEMA_VERSION = "1";

/**
 * `vigil import trivy-operator --format json`: the cluster, whether every list was read, the
 * counts, each report with its resolved workload (and the one its labels named, when different)
 * and Trivy's matches, and every issue.
 */
export function renderTrivyImportJson(result: TrivyImportResult, toolVersion: string): string {
  const doc = {
    schemaVersion: TRIVY_IMPORT_JSON_SCHEMA_VERSION,
    tool: { name: "vigil", version: toolVersion },
    importedFrom: TRIVY_OPERATOR_SOURCE,
    clusterId: result.clusterId,
    ...(result.agentId ? { agentId: result.agentId } : {}),
    status: result.status,
    startedAt: result.startedAt.toISOString(),
    finishedAt: result.finishedAt.toISOString(),
    summary: summarizeTrivyImport(result),
    reports: result.reports,
    issues: result.issues,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
