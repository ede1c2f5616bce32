import type { DismissalReason, SeverityLevel } from "@vigil/core";

/**
 * GitLab's vulnerability states (ARCHITECTURE.md section 5). The same values as core's
 * findings stage (`FINDING_STATES`).
 */
export type FindingState = "detected" | "confirmed" | "dismissed" | "resolved";

/**
 * `operational`: found in a running cluster; `development`: found in a CI pipeline's image,
 * with its `project` and `branch` (GitLab's two report types).
 */
export type FindingReportType = "operational" | "development";

/** Who changed a finding: Vigil itself (a scan) or a person, by user id (core's `FindingActor`). */
export type FindingActor = { readonly type: "system" } | { readonly type: "user"; readonly id: string };

/**
 * What makes a finding the same finding from one scan to the next (core's `FindingIdentity`):
 * where it runs and what is vulnerable. Development findings add project and branch.
 */
export interface FindingIdentity {
  readonly clusterId: string;
  readonly namespace: string;
  readonly workloadKind: string;
  readonly workloadName: string;
  readonly containerName: string;
  /** The installed (binary) package name. */
  readonly packageName: string;
  /** The primary id of the vulnerability (the CVE when there is one). */
  readonly advisoryId: string;
}

/**
 * A finding as stored. The identity and the columns the UI filters and sorts by are fields;
 * `details` is the latest detection as the findings stage describes it (core's
 * `FindingDetails`), kept as JSON and returned unchanged.
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
  /** Development findings: the project the pipeline ran for. */
  readonly project?: string;
  /** Development findings: the branch the pipeline ran for. */
  readonly branch?: string;
  readonly state: FindingState;
  /** Set when `state` is `dismissed`. */
  readonly dismissal?: { readonly reason: DismissalReason; readonly comment?: string };
  readonly severity: SeverityLevel;
  readonly severityScore?: number;
  /** Listed in CISA's Known Exploited Vulnerabilities catalog. */
  readonly kev: boolean;
  /** FIRST EPSS probability, 0 … 1. */
  readonly epss?: number;
  /** A fixed version exists. */
  readonly fixable: boolean;
  readonly fixedVersion?: string;
  readonly installedVersion: string;
  /** The package-URL type (`deb`, `npm` …). */
  readonly packageType: string;
  readonly imageDigest: string;
  readonly imageReference: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly runningSince?: string;
  /** When it became `resolved` (history has every change). */
  readonly resolvedAt?: string;
  /** The latest complete scan that covered it did not detect it. */
  readonly noLongerDetected: boolean;
}

/** One change of a finding's state, kept forever (core's `FindingHistoryEntry`, by finding id). */
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
