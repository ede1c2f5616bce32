import type { WorkloadRef } from "../../model/running-container.js";
import { isRecord, recordAt, type TrivyIssueRecorder } from "./trivy-issues.js";
import type { TrivyReportKind, TrivyReportRef } from "./trivy-report.js";

/** The label prefixes that name the scanned workload: Trivy Operator's, then Starboard's (its predecessor). */
const LABEL_PREFIXES = ["trivy-operator", "starboard"] as const;

/** The workload and container a report is about, read from its labels. */
export interface TrivyReportSubject {
  readonly workload: WorkloadRef;
  readonly containerName: string;
  readonly labels: TrivyReportRef["labels"];
}

/**
 * The workload and container of a report from the labels Trivy Operator sets on it
 * (`trivy-operator.resource.kind`, `.resource.name`, `.resource.namespace`, `trivy-operator.container.name`)
 * or Starboard's (`starboard.…`). `apiVersion` comes from the owner reference that names the
 * same workload, when there is one. Undefined, with an error, when kind, name or container is missing.
 *
 * For a VulnerabilityReport without a namespace label the report's own namespace is used (Trivy
 * Operator creates the report in the workload's namespace); a ClusterVulnerabilityReport is
 * about something cluster-scoped and its namespace label is empty.
 */
export function trivyReportSubject(
  metadata: Readonly<Record<string, unknown>> | undefined,
  kind: TrivyReportKind,
  issues: TrivyIssueRecorder,
): TrivyReportSubject | undefined {
  const labels = recordAt(metadata, "labels") ?? {};
  const label = (key: string) => {
    const value = labels[key];
    return typeof value === "string" ? value.trim() : undefined;
  };
  const prefix = LABEL_PREFIXES.find((p) => label(`${p}.resource.kind`) !== undefined) ?? LABEL_PREFIXES[0];
  const keys = {
    kind: `${prefix}.resource.kind`,
    name: `${prefix}.resource.name`,
    namespace: `${prefix}.resource.namespace`,
    container: `${prefix}.container.name`,
  };
  const workloadKind = label(keys.kind);
  const name = label(keys.name);
  const containerName = label(keys.container);
  const missing = [
    workloadKind ? undefined : keys.kind,
    name ? undefined : keys.name,
    containerName ? undefined : keys.container,
  ].filter((k): k is string => k !== undefined);
  if (missing.length > 0 || !workloadKind || !name || !containerName) {
    issues.add(
      "error",
      "trivy-missing-label",
      `metadata.labels["${missing[0]}"]`,
      `label${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} missing or empty, so the workload is unknown; skipped.`,
    );
    return undefined;
  }
  let namespace = label(keys.namespace);
  if (kind === "VulnerabilityReport" && !namespace) {
    const own = typeof metadata?.namespace === "string" ? metadata.namespace : "";
    if (!own) {
      issues.add(
        "error",
        "trivy-missing-label",
        `metadata.labels["${keys.namespace}"]`,
        `label ${keys.namespace} is missing and the report has no namespace, so the workload is unknown; skipped.`,
      );
      return undefined;
    }
    issues.add(
      "warning",
      "trivy-missing-label",
      `metadata.labels["${keys.namespace}"]`,
      `label ${keys.namespace} is missing; the report's own namespace ${own} is taken as the workload's.`,
    );
    namespace = own;
  }
  const owners = Array.isArray(metadata?.ownerReferences) ? metadata.ownerReferences : [];
  const owner = owners.find((o) => isRecord(o) && o.kind === workloadKind && o.name === name);
  const apiVersion = isRecord(owner) && typeof owner.apiVersion === "string" ? owner.apiVersion : undefined;
  return {
    workload: { kind: workloadKind, name, namespace: namespace ?? "", ...(apiVersion ? { apiVersion } : {}) },
    containerName,
    labels: prefix,
  };
}
