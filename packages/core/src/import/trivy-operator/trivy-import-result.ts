import type { LocatedIssue } from "../../model/issue.js";
import type { ResolvedTrivyImageReport } from "./resolve-trivy-workloads.js";

/**
 * One cluster's Trivy Operator reports as imported (listed, converted, workloads resolved):
 * what `vigil import trivy-operator` renders.
 */
export interface TrivyImportResult {
  readonly clusterId: string;
  /** GitLab's agent id, when one was given. */
  readonly agentId?: string;
  /**
   * `partial` when a list could not be read to its end (forbidden in a namespace, failed
   * part-way): a report's absence then says nothing (ARCHITECTURE.md section 5).
   */
  readonly status: "complete" | "partial";
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly reports: readonly ResolvedTrivyImageReport[];
  /** Listing, conversion and owner-lookup issues; sorted. */
  readonly issues: readonly LocatedIssue[];
}

/** Counts of a {@link TrivyImportResult}. */
export interface TrivyImportSummary {
  readonly reports: number;
  /** Distinct workloads (namespace, kind, name) after resolution. */
  readonly workloads: number;
  /** Distinct image references. */
  readonly images: number;
  /** Matches over every report. */
  readonly vulnerabilities: number;
}

/** Count reports, workloads, images and matches. */
export function summarizeTrivyImport(result: TrivyImportResult): TrivyImportSummary {
  const { reports } = result;
  return {
    reports: reports.length,
    workloads: new Set(reports.map((r) => `${r.workload.namespace}/${r.workload.kind}/${r.workload.name}`))
      .size,
    images: new Set(reports.map((r) => r.image.reference)).size,
    vulnerabilities: reports.reduce((n, r) => n + r.matches.length, 0),
  };
}
