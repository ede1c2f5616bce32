/**
 * Kysely table types of the scanning side (migration `0002-scans-and-findings`), with the
 * conventions of `db/schema.ts`: JSON as text in `*_json` columns, times as RFC 3339 text,
 * booleans as integers 0/1 (the same values on both dialects), scores as doubles.
 */
import type { Generated, Kysely } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import type { AuthSchema } from "./auth-schema.js";

/** A cluster Vigil scans. */
export interface ClustersTable {
  id: string;
  name: string;
  /** `kubeconfig` or `agent`. */
  connection_kind: string;
  kubeconfig_context: string | null;
  created_at: string;
  last_scan_at: string | null;
  /** The `ScanStatus` of the last finished scan. */
  last_scan_status: string | null;
}

/** An in-cluster agent and its token (the token itself is never stored). */
export interface AgentsTable {
  id: string;
  cluster_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
  last_seen_at: string | null;
}

/** A scan execution policy (a cron cadence over clusters and namespaces). */
export interface ScanPoliciesTable {
  id: string;
  name: string;
  /** 1 or 0. */
  enabled: number;
  /** A cron expression. */
  cadence: string;
  /** IANA time zone the cadence is read in. */
  timezone: string;
  /** JSON array of cluster ids; empty means every cluster. */
  clusters_json: string;
  /** JSON array of namespaces; empty means every namespace. */
  namespaces_json: string;
  severity_threshold: string;
  /** The policy as its author wrote it. */
  yaml: string;
  created_at: string;
  updated_at: string;
  last_run_at: string | null;
  next_run_at: string | null;
}

/** One scan of one cluster. */
export interface ScansTable {
  id: string;
  cluster_id: string;
  policy_id: string | null;
  trigger: string;
  /** JSON `{ namespaces }`. */
  scope_json: string;
  status: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  summary_json: string | null;
  failures_json: string | null;
  error: string | null;
}

/** One image digest a scan looked at. */
export interface ScanImagesTable {
  scan_id: string;
  digest: string;
  reference: string;
  status: string;
  error: string | null;
  /** `matches` or `inventory` when the stored scan was used instead of pulling, else null. */
  from_cache: string | null;
  duration_ms: number | null;
}

/** A scanned image (digest and platform) with its inventory and latest matches. */
export interface ImagesTable {
  digest: string;
  platform: string;
  reference: string;
  manifest_digest: string;
  /** The resolved image (manifest, config, layers) as JSON, when kept. */
  image_json: string | null;
  os_json: string | null;
  inventory_json: string;
  inventory_key: string;
  /** The advisory revision `matches_json` was computed with. */
  matched_with: string | null;
  matches_json: string | null;
  scanned_at: string;
  matched_at: string | null;
}

/** Which (ecosystem, package name) a stored inventory holds: the re-matching index. */
export interface ImagePackagesTable {
  digest: string;
  platform: string;
  ecosystem: string;
  name: string;
}

/** A workload container as last seen in a cluster, and the digest it runs. */
export interface WorkloadContainersTable {
  cluster_id: string;
  namespace: string;
  workload_kind: string;
  workload_name: string;
  container_name: string;
  digest: string;
  image: string;
  running_since: string | null;
  last_seen_at: string;
}

/** A finding (GitLab vulnerability semantics, ARCHITECTURE.md section 5). */
export interface FindingsTable {
  id: string;
  report_type: string;
  cluster_id: string;
  namespace: string;
  workload_kind: string;
  workload_name: string;
  container_name: string;
  package_name: string;
  advisory_id: string;
  /** '' unless a development finding. */
  project: string;
  /** '' unless a development finding. */
  branch: string;
  state: string;
  dismissal_reason: string | null;
  dismissal_comment: string | null;
  severity: string;
  severity_rank: number;
  severity_score: number | null;
  kev: number;
  epss: number | null;
  fixable: number;
  fixed_version: string | null;
  installed_version: string;
  package_type: string;
  image_digest: string;
  image_reference: string;
  details_json: string;
  first_seen: string;
  last_seen: string;
  running_since: string | null;
  resolved_at: string | null;
  no_longer_detected: number;
  /** Increased by every write (migration 0009): see `FindingRecord.rowVersion`. */
  row_version: number;
}

/** One change of a finding's state. */
export interface FindingHistoryTable {
  /** Generated: an increasing integer (SQLite rowid, PostgreSQL serial). */
  id: Generated<number>;
  finding_id: string;
  at: string;
  /** `system` or `user:<id>`. */
  actor: string;
  from_state: string | null;
  to_state: string;
  reason: string | null;
  comment: string | null;
  scan_id: string | null;
}

/**
 * Open (detected or confirmed) operational findings of one cluster and severity at the end of
 * a UTC day (migration 0011): written on the days they change; a day without a row has the
 * count of the last day before it that has one.
 */
export interface FindingOpenCountsTable {
  cluster_id: string;
  /** A `SeverityLevel`. */
  severity: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  open_count: number;
  /** Of `open_count`, those with a fixed version. */
  fixable_count: number;
}

/** A person who may sign in. */
export interface UsersTable {
  id: string;
  /** Lower-cased. */
  email: string;
  name: string;
  role: string;
  password_hash: string | null;
  created_at: string;
  disabled_at: string | null;
}

/** An API token of a user (the token itself is never stored). */
export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The tables of migration 0002 (and of later ones on the scanning side), as Kysely sees them. */
export interface StoreSchema {
  clusters: ClustersTable;
  agents: AgentsTable;
  scan_policies: ScanPoliciesTable;
  scans: ScansTable & ScanAttemptColumns;
  scan_images: ScanImagesTable;
  images: ImagesTable;
  image_packages: ImagePackagesTable;
  workload_containers: WorkloadContainersTable;
  findings: FindingsTable;
  finding_history: FindingHistoryTable;
  finding_open_counts: FindingOpenCountsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
}

/** The database with the store's tables: what the repositories query. */
export type StoreDb = Kysely<VigilSchema & StoreSchema & AuthSchema>;

/**
 * The repositories' view of the database `createDatabase` opened (its type lists the advisory
 * tables; this adds the store's). Same connection, no copy.
 */
export function storeDb(db: Kysely<VigilSchema>): StoreDb {
  // the mapped type gives the interface the index signature `withTables` asks for
  return db.withTables<{ [T in keyof (StoreSchema & AuthSchema)]: (StoreSchema & AuthSchema)[T] }>();
}

/** Migration 0008's column on `scans`: how many times a worker has started the scan. */
export interface ScanAttemptColumns {
  attempt: Generated<number>;
}
