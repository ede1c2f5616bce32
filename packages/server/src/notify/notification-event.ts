import type { SeverityLevel } from "@vigil/core";

/** A scan failure as an event lists it (`ClusterScanFailure` without its containers). */
export interface ScanFailure {
  readonly scope: string;
  readonly subject: string;
  readonly reason: string;
}

/** The kinds of event a webhook may subscribe to (`ping` is sent on request, to any webhook). */
export const NOTIFICATION_EVENT_TYPES = [
  "findings.new",
  "finding.kev",
  "scan.failed",
  "advisory.affects",
] as const;

/** One of {@link NOTIFICATION_EVENT_TYPES}. */
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

/** Most findings (or advisories, or failures) an event lists; the counts cover all of them. */
export const EVENT_LIST_LIMIT = 20;

/** What changed about a finding, as the reconcile that stored it said. */
export type FindingChangeKind = "created" | "reopened" | "kev";

/**
 * A finding a reconcile created, reopened or newly saw KEV-listed, as it was written (store
 * id, severity, KEV of the detection). Built from the written records, never re-derived.
 */
export interface FindingNotice {
  readonly change: FindingChangeKind;
  readonly id: string;
  readonly advisoryId: string;
  readonly aliases: readonly string[];
  readonly severity: SeverityLevel;
  readonly kev: boolean;
  readonly clusterId: string;
  readonly namespace: string;
  readonly workloadKind: string;
  readonly workloadName: string;
  readonly containerName: string;
  readonly packageName: string;
  readonly installedVersion: string;
  readonly fixedVersion?: string;
  readonly image: string;
  readonly imageDigest: string;
}

/** A finding as an event lists it. */
export type NotifiedFinding = Omit<FindingNotice, "change"> & { readonly change: "created" | "reopened" };

/** Fields every event has. */
interface EventBase {
  /** Unique per event; a delivery of it to one webhook has its own id. */
  readonly id: string;
  /** RFC 3339. */
  readonly at: string;
}

/** New or reopened findings of one cluster scan (each webhook sees those at or above its severity). */
export interface FindingsNewEvent extends EventBase {
  readonly type: "findings.new";
  readonly scanId: string;
  readonly clusterId: string;
  /** By severity, every new or reopened finding of the scan. */
  readonly counts: Readonly<Partial<Record<SeverityLevel, number>>>;
  /** The most severe first (KEV first within a severity), at most {@link EVENT_LIST_LIMIT}. */
  readonly findings: readonly NotifiedFinding[];
}

/** Findings that appeared KEV-listed: new ones, or known ones whose CVE entered the catalog. */
export interface FindingKevEvent extends EventBase {
  readonly type: "finding.kev";
  /** The cluster scan or advisory-update scan that stored them. */
  readonly scanId?: string;
  readonly total: number;
  readonly findings: readonly (Omit<FindingNotice, "change"> & { readonly change: FindingChangeKind })[];
}

/** A cluster scan that failed, or finished partial (some images or namespaces not read). */
export interface ScanFailedEvent extends EventBase {
  readonly type: "scan.failed";
  readonly scanId: string;
  readonly clusterId: string;
  readonly status: "failed" | "partial";
  readonly error?: string;
  readonly failureCount: number;
  /** At most {@link EVENT_LIST_LIMIT}. */
  readonly failures: readonly ScanFailure[];
}

/** One advisory that an advisory update found in running images. */
export interface AdvisoryImpact {
  readonly advisoryId: string;
  readonly aliases: readonly string[];
  readonly severity: SeverityLevel;
  readonly kev: boolean;
  /** Findings created or reopened. */
  readonly findings: number;
  /** Distinct (cluster, namespace, kind, name) workloads. */
  readonly workloads: number;
  readonly clusters: number;
}

/** An advisory update's re-match added findings: per advisory, how far it reaches. */
export interface AdvisoryAffectsEvent extends EventBase {
  readonly type: "advisory.affects";
  /** The advisory revision the stored images were matched with. */
  readonly revision: string;
  /** The most severe first, then the widest; at most {@link EVENT_LIST_LIMIT}. */
  readonly advisories: readonly AdvisoryImpact[];
  readonly totalAdvisories: number;
}

/** Sent by `POST /api/v1/webhooks/:id/test`. */
export interface PingEvent extends EventBase {
  readonly type: "ping";
  readonly webhookId: string;
}

/** Anything a webhook is sent. */
export type NotificationEvent =
  | FindingsNewEvent
  | FindingKevEvent
  | ScanFailedEvent
  | AdvisoryAffectsEvent
  | PingEvent;
