import type {
  DismissalReason,
  Finding,
  FindingActor,
  FindingDetails,
  FindingDismissal,
  FindingHistoryEntry,
  FindingIdentity,
  FindingState,
} from "@vigil/core";

/**
 * `operational`: found in a running cluster; `development`: found in a CI pipeline's image,
 * with its `project` and `branch` (GitLab's two report types).
 */
export type FindingReportType = "operational" | "development";

/**
 * A finding as stored: core's {@link Finding} with the store's id, its report type, the KEV
 * and EPSS enrichment of the latest detection, and times as text. The columns the UI filters
 * and sorts by (severity, fixable, versions, package type, image) are read from `details`.
 *
 * Times are RFC 3339 UTC text of one fixed width (`Date.prototype.toISOString`): the store
 * compares and pages by them as text.
 */
export interface FindingRecord {
  /** The store's id (the findings stage identifies by {@link identity}). */
  readonly id: string;
  /** Never changed by an update: a different identity is a different finding. */
  readonly identity: FindingIdentity;
  readonly reportType: FindingReportType;
  /** Development findings: the project the pipeline ran for (part of the identity). */
  readonly project?: string;
  /** Development findings: the branch the pipeline ran for (part of the identity). */
  readonly branch?: string;
  readonly state: FindingState;
  /** Set when `state` is `dismissed`. */
  readonly dismissal?: FindingDismissal;
  /** What the latest detection saw, stored as JSON and returned unchanged. */
  readonly details: FindingDetails;
  /** Listed in CISA's Known Exploited Vulnerabilities catalog (`Match.kev`). */
  readonly kev: boolean;
  /** FIRST EPSS probability, 0 … 1 (`Match.epss.score`). */
  readonly epss?: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly runningSince?: string;
  /** When it became `resolved` (the history has every change). */
  readonly resolvedAt?: string;
  /** The latest complete scan that covered it did not detect it. */
  readonly noLongerDetected: boolean;
  /**
   * The stored row's version this record was read from. Writing the record back applies only
   * while the row still has it (`applyChanges` throws `FindingChangedError` otherwise), so a
   * change planned from a stale read never overwrites a newer one. Absent on a new finding.
   */
  readonly rowVersion?: number;
}

/** One change of a finding's state, kept forever: core's {@link FindingHistoryEntry}, by finding id. */
export interface FindingHistoryInput {
  readonly findingId: string;
  readonly at: string;
  readonly actor: FindingActor;
  /** Absent when the entry records the finding's creation. */
  readonly from?: FindingState;
  readonly to: FindingState;
  /** Set when `to` is `dismissed`. */
  readonly reason?: DismissalReason;
  readonly comment?: string;
  /** The scan that caused it; absent for changes made by hand. */
  readonly scanId?: string;
}

/** A stored history entry: its id increases in insertion order. */
export interface FindingHistoryRecord extends FindingHistoryInput {
  readonly id: number;
}

/** What a stored finding has that core's {@link Finding} does not. */
export type FindingRecordFields = Pick<FindingRecord, "id" | "kev" | "epss" | "resolvedAt"> &
  Partial<Pick<FindingRecord, "reportType" | "project" | "branch" | "rowVersion">>;

/**
 * A finding of the findings stage (a reconcile transition's `finding`, or a state change's)
 * as a record to store; `reportType` defaults to `operational`.
 */
export function toFindingRecord(finding: Finding, fields: FindingRecordFields): FindingRecord {
  return {
    id: fields.id,
    identity: finding.identity,
    reportType: fields.reportType ?? "operational",
    ...(fields.project !== undefined ? { project: fields.project } : {}),
    ...(fields.branch !== undefined ? { branch: fields.branch } : {}),
    state: finding.state,
    ...(finding.dismissal ? { dismissal: finding.dismissal } : {}),
    details: finding.details,
    kev: fields.kev,
    ...(fields.epss !== undefined ? { epss: fields.epss } : {}),
    firstSeen: finding.firstSeen.toISOString(),
    lastSeen: finding.lastSeen.toISOString(),
    ...(finding.runningSince ? { runningSince: finding.runningSince.toISOString() } : {}),
    ...(fields.resolvedAt !== undefined ? { resolvedAt: fields.resolvedAt } : {}),
    noLongerDetected: finding.noLongerDetected,
    ...(fields.rowVersion !== undefined ? { rowVersion: fields.rowVersion } : {}),
  };
}

/** The findings stage's view of a stored finding: what `reconcileFindings` takes as `previous`. */
export function toFinding(record: FindingRecord): Finding {
  return {
    identity: record.identity,
    state: record.state,
    ...(record.dismissal ? { dismissal: record.dismissal } : {}),
    details: record.details,
    firstSeen: new Date(record.firstSeen),
    lastSeen: new Date(record.lastSeen),
    ...(record.runningSince !== undefined ? { runningSince: new Date(record.runningSince) } : {}),
    noLongerDetected: record.noLongerDetected,
  };
}

/** A history entry of the findings stage as a row to append, for the stored finding `findingId`. */
export function toHistoryInput(entry: FindingHistoryEntry, findingId: string): FindingHistoryInput {
  return {
    findingId,
    at: entry.at.toISOString(),
    actor: entry.actor,
    ...(entry.from !== undefined ? { from: entry.from } : {}),
    to: entry.to,
    ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    ...(entry.comment !== undefined ? { comment: entry.comment } : {}),
    ...(entry.scanId !== undefined ? { scanId: entry.scanId } : {}),
  };
}
