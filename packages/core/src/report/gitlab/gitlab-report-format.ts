/**
 * The part of GitLab's security report format 15.0.7 that Vigil writes, as TypeScript types.
 * Source of truth: the container-scanning and cluster-image-scanning JSON schemas of that
 * version (vendored under `testdata/gitlab-schemas/`, every golden is validated against them).
 */

/** The schema version Vigil's GitLab reports conform to. */
export const GITLAB_REPORT_SCHEMA_VERSION = "15.0.7";

/** Schema limits that Vigil's data can reach; longer text is cut (see `capText`). */
export const GITLAB_LIMITS = {
  name: 255,
  description: 1_048_576,
  solution: 7000,
  /** Cluster report: `operating_system` and every `kubernetes_resource` field. */
  clusterField: 255,
} as const;

/** GitLab's severity enum. */
export type GitlabSeverity = "Info" | "Unknown" | "Low" | "Medium" | "High" | "Critical";

/** The analyzer or scanner block of `scan`. */
export interface GitlabTool {
  readonly id: string;
  readonly name: string;
  readonly url?: string;
  readonly vendor: { readonly name: string };
  readonly version: string;
}

/** `scan`. */
export interface GitlabScan {
  readonly analyzer: GitlabTool;
  readonly scanner: GitlabTool;
  readonly type: "container_scanning" | "cluster_image_scanning";
  /** `yyyy-mm-ddThh:mm:ss` in UTC, without a zone suffix (the schema's pattern). */
  readonly start_time: string;
  readonly end_time: string;
  readonly status: "success" | "failure";
  readonly messages?: readonly { readonly level: "info" | "warn" | "fatal"; readonly value: string }[];
}

/** One entry of `identifiers`; the first is the primary identifier. */
export interface GitlabIdentifier {
  readonly type: string;
  readonly name: string;
  readonly value: string;
  readonly url?: string;
}

/** One entry of `cvss_vectors` (CVSS v2 or v3.x only in 15.0.7). */
export interface GitlabCvssVector {
  readonly vendor: string;
  readonly vector: string;
}

/** A typed value of `details` (the schema's `detail_type`), restricted to the kinds Vigil writes. */
export type GitlabDetail =
  | { readonly type: "text"; readonly value: string }
  | { readonly type: "value"; readonly value: number | string | boolean }
  | { readonly type: "url"; readonly href: string; readonly text?: string }
  | { readonly type: "list"; readonly items: readonly GitlabDetail[] }
  | { readonly type: "named-list"; readonly items: GitlabDetails };

/** A field of `details` or of a named list: a label plus a typed value. */
export type GitlabNamedDetail = GitlabDetail & { readonly name: string; readonly description?: string };

/** `details`: named fields keyed by a stable snake_case key. */
export type GitlabDetails = Readonly<Record<string, GitlabNamedDetail>>;

/** `kubernetes_resource` of a cluster report location. */
export interface GitlabKubernetesLocation {
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly container_name: string;
  readonly cluster_id?: string;
  readonly agent_id?: string;
}

/** `location` of a container or cluster image scanning vulnerability. */
export interface GitlabLocation {
  readonly dependency: { readonly package: { readonly name: string }; readonly version: string };
  readonly operating_system: string;
  readonly image: string;
  readonly kubernetes_resource?: GitlabKubernetesLocation;
}

/** One entry of `vulnerabilities`. */
export interface GitlabVulnerability {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly severity: GitlabSeverity;
  readonly solution?: string;
  readonly identifiers: readonly GitlabIdentifier[];
  readonly cvss_vectors?: readonly GitlabCvssVector[];
  readonly links?: readonly { readonly url: string; readonly name?: string }[];
  readonly details?: GitlabDetails;
  readonly location: GitlabLocation;
}

/** A whole report. */
export interface GitlabSecurityReport {
  readonly version: typeof GITLAB_REPORT_SCHEMA_VERSION;
  readonly scan: GitlabScan;
  readonly vulnerabilities: readonly GitlabVulnerability[];
}
