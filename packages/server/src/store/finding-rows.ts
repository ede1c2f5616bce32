import {
  type DismissalReason,
  type FindingActor,
  type FindingDetails,
  type FindingState,
  SEVERITY_LEVELS,
  type SeverityLevel,
} from "@vigil/core";
import type { Insertable, Selectable } from "kysely";
import { fromFlag, fromJson, orNull, present, toFlag, toJson } from "./column-values.js";
import type {
  FindingHistoryInput,
  FindingHistoryRecord,
  FindingRecord,
  FindingReportType,
} from "./finding-record.js";
import type { FindingHistoryTable, FindingsTable } from "./store-schema.js";

/** Sort rank of a severity: its index in `SEVERITY_LEVELS` (unknown 0 … critical 5). */
export function severityRank(level: SeverityLevel): number {
  const rank = SEVERITY_LEVELS.indexOf(level);
  if (rank < 0) throw new TypeError(`not a severity level: ${String(level)}`);
  return rank;
}

/**
 * The `findings` row of a record. The filter and sort columns (severity, score, fixable,
 * versions, package type, image) are copies of `details`, so they cannot disagree with it.
 */
export function findingRow(finding: FindingRecord): FindingsTable {
  const { identity, details } = finding;
  return {
    id: finding.id,
    report_type: finding.reportType,
    cluster_id: identity.clusterId,
    namespace: identity.namespace,
    workload_kind: identity.workloadKind,
    workload_name: identity.workloadName,
    container_name: identity.containerName,
    package_name: identity.packageName,
    advisory_id: identity.advisoryId,
    project: finding.project ?? "",
    branch: finding.branch ?? "",
    state: finding.state,
    dismissal_reason: orNull(finding.dismissal?.reason),
    dismissal_comment: orNull(finding.dismissal?.comment),
    severity: details.severity.level,
    severity_rank: severityRank(details.severity.level),
    severity_score: orNull(details.severity.score),
    kev: toFlag(finding.kev),
    epss: orNull(finding.epss),
    fixable: toFlag(details.fixedVersion !== undefined),
    fixed_version: orNull(details.fixedVersion),
    installed_version: details.packageVersion,
    package_type: details.packageType,
    image_digest: details.imageDigest,
    image_reference: details.image,
    details_json: toJson(details),
    first_seen: finding.firstSeen,
    last_seen: finding.lastSeen,
    running_since: orNull(finding.runningSince),
    resolved_at: orNull(finding.resolvedAt),
    no_longer_detected: toFlag(finding.noLongerDetected),
    // the version this write makes: one past the version it was planned from (0 for a new row)
    row_version: (finding.rowVersion ?? -1) + 1,
  };
}

/** Columns of a `findings` row (the number of parameters one row binds). */
export const FINDING_COLUMNS = 32;

/** The record of a `findings` row. */
export function rowToFinding(row: Selectable<FindingsTable>): FindingRecord {
  return {
    id: row.id,
    identity: {
      clusterId: row.cluster_id,
      namespace: row.namespace,
      workloadKind: row.workload_kind,
      workloadName: row.workload_name,
      containerName: row.container_name,
      packageName: row.package_name,
      advisoryId: row.advisory_id,
    },
    reportType: row.report_type as FindingReportType,
    ...(row.project !== "" ? { project: row.project } : {}),
    ...(row.branch !== "" ? { branch: row.branch } : {}),
    state: row.state as FindingState,
    ...(row.dismissal_reason !== null
      ? {
          dismissal: {
            reason: row.dismissal_reason as DismissalReason,
            ...present("comment", row.dismissal_comment),
          },
        }
      : {}),
    details: fromJson<FindingDetails>(row.details_json),
    kev: fromFlag(row.kev),
    ...present("epss", row.epss),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    ...present("runningSince", row.running_since),
    ...present("resolvedAt", row.resolved_at),
    noLongerDetected: fromFlag(row.no_longer_detected),
    rowVersion: Number(row.row_version),
  };
}

/** `system` or `user:<id>`. */
export function actorText(actor: FindingActor): string {
  return actor.type === "system" ? "system" : `user:${actor.id}`;
}

/** The actor of {@link actorText}. */
export function textActor(text: string): FindingActor {
  return text.startsWith("user:") ? { type: "user", id: text.slice("user:".length) } : { type: "system" };
}

/** The `finding_history` row of an entry (the id is generated). */
export function historyRow(entry: FindingHistoryInput): Insertable<FindingHistoryTable> {
  return {
    finding_id: entry.findingId,
    at: entry.at,
    actor: actorText(entry.actor),
    from_state: orNull(entry.from),
    to_state: entry.to,
    reason: orNull(entry.reason),
    comment: orNull(entry.comment),
    scan_id: orNull(entry.scanId),
  };
}

/** Columns of a `finding_history` row without its id. */
export const HISTORY_COLUMNS = 8;

/** The entry of a `finding_history` row. */
export function rowToHistory(row: Selectable<FindingHistoryTable>): FindingHistoryRecord {
  return {
    id: row.id,
    findingId: row.finding_id,
    at: row.at,
    actor: textActor(row.actor),
    ...present("from", row.from_state as FindingState | null),
    to: row.to_state as FindingState,
    ...present("reason", row.reason as DismissalReason | null),
    ...present("comment", row.comment),
    ...present("scanId", row.scan_id),
  };
}
