import type { SeverityLevel } from "@vigil/core";

/**
 * The scan Vigil runs for a policy action. GitLab writes `container_scanning` for the same
 * thing (operational container scanning through an agent); the parser accepts both and keeps
 * this one.
 */
export const CLUSTER_IMAGE_SCANNING = "cluster_image_scanning";

/** The time zone a rule's cadence is read in when it names none. */
export const DEFAULT_TIME_ZONE = "UTC";

/** One cluster a rule covers, and which of its namespaces. */
export interface ClusterScope {
  /** The cluster's name as Vigil knows it (kubeconfig context or agent name). */
  readonly cluster: string;
  /** Namespaces to scan, in the order written, without duplicates; empty means every namespace. */
  readonly namespaces: readonly string[];
}

/**
 * A `type: schedule` rule: when to scan, and what. Written either as `clusters:` plus
 * `namespaces:` (Vigil's form) or as GitLab's `agents: {<name>: {namespaces: [...]}}`; both
 * become `scopes`.
 */
export interface ScheduleRule {
  readonly type: "schedule";
  /** A five-field cron expression or a nickname such as `@daily`, as written. */
  readonly cadence: string;
  /** IANA time zone the cadence is read in; {@link DEFAULT_TIME_ZONE} when the rule names none. */
  readonly timezone: string;
  /** At least one cluster; names are unique within the rule. */
  readonly scopes: readonly ClusterScope[];
}

/** A `scan: cluster_image_scanning` action. */
export interface ClusterScanAction {
  readonly scan: typeof CLUSTER_IMAGE_SCANNING;
  /** Findings below this level are not reported for scans this policy starts. */
  readonly severityThreshold?: SeverityLevel;
}

/**
 * A scan execution policy after parsing and validation. It has no id: the store that keeps
 * policies assigns one (see `PolicyState` in scheduler.ts).
 */
export interface ScanPolicy {
  /** Unique within its file; at most 255 characters, as in GitLab. */
  readonly name: string;
  /** Empty when the document gives none. */
  readonly description: string;
  /** `true` unless the document says `enabled: false`. */
  readonly enabled: boolean;
  /** At least one. */
  readonly rules: readonly ScheduleRule[];
  /** Exactly one cluster scan today; a list so that other actions can join it. */
  readonly actions: readonly ClusterScanAction[];
}
