import { type Kysely, type Migration, sql } from "kysely";
import { dialectOf } from "../dialect.js";

/**
 * The scanning side: clusters and their agents, scan policies, scans and the images they
 * scanned, stored image inventories (with a package index for re-matching), the workload
 * containers seen, findings with their history, and users with API tokens.
 *
 * Column types follow 0001: identifiers, and the times that are compared or paged by, are
 * `text collate "C"` on PostgreSQL (byte order, as SQLite compares, so keyset pages and range
 * conditions agree across dialects); JSON is text (`*_json`), times are RFC 3339 UTC text of
 * one fixed width (`toISOString`), booleans integers 0/1, scores double precision.
 */
export const scansAndFindingsMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types
  async up(db: Kysely<any>) {
    const postgres = dialectOf(db) === "postgres";
    const key = postgres ? sql`text collate "C"` : sql`text`;

    await db.schema
      .createTable("clusters")
      .addColumn("id", key, (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      // `kubeconfig` (the server connects) or `agent` (an agent inside the cluster reports)
      .addColumn("connection_kind", "text", (c) => c.notNull())
      .addColumn("kubeconfig_context", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("last_scan_at", "text")
      .addColumn("last_scan_status", "text")
      .execute();

    await db.schema
      .createTable("agents")
      .addColumn("id", key, (c) => c.primaryKey())
      .addColumn("cluster_id", key, (c) => c.notNull().references("clusters.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("token_hash", key, (c) => c.notNull().unique())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("revoked_at", "text")
      .addColumn("last_seen_at", "text")
      .execute();
    await db.schema.createIndex("agents_cluster_idx").on("agents").column("cluster_id").execute();

    await db.schema
      .createTable("scan_policies")
      .addColumn("id", key, (c) => c.primaryKey())
      .addColumn("name", key, (c) => c.notNull().unique())
      .addColumn("enabled", "integer", (c) => c.notNull())
      .addColumn("cadence", "text", (c) => c.notNull())
      .addColumn("timezone", "text", (c) => c.notNull())
      .addColumn("clusters_json", "text", (c) => c.notNull())
      .addColumn("namespaces_json", "text", (c) => c.notNull())
      .addColumn("severity_threshold", "text", (c) => c.notNull())
      .addColumn("yaml", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addColumn("last_run_at", "text")
      .addColumn("next_run_at", key)
      .execute();
    // the scheduler's question: which enabled policies are due
    await db.schema
      .createIndex("scan_policies_due_idx")
      .on("scan_policies")
      .columns(["enabled", "next_run_at"])
      .execute();

    await db.schema
      .createTable("scans")
      .addColumn("id", key, (c) => c.primaryKey())
      .addColumn("cluster_id", key, (c) => c.notNull().references("clusters.id").onDelete("cascade"))
      .addColumn("policy_id", key, (c) => c.references("scan_policies.id").onDelete("set null"))
      .addColumn("trigger", "text", (c) => c.notNull())
      .addColumn("scope_json", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      // when the scan was queued: the order of a cluster's scans (started_at is null until it runs)
      .addColumn("created_at", key, (c) => c.notNull())
      .addColumn("started_at", "text")
      .addColumn("finished_at", "text")
      .addColumn("summary_json", "text")
      .addColumn("failures_json", "text")
      .addColumn("error", "text")
      .execute();
    await db.schema
      .createIndex("scans_cluster_page_idx")
      .on("scans")
      .columns(["cluster_id", "created_at", "id"])
      .execute();
    await db.schema.createIndex("scans_status_idx").on("scans").column("status").execute();
    await db.schema.createIndex("scans_policy_idx").on("scans").column("policy_id").execute();

    await db.schema
      .createTable("scan_images")
      .addColumn("scan_id", key, (c) => c.notNull().references("scans.id").onDelete("cascade"))
      .addColumn("digest", key, (c) => c.notNull())
      .addColumn("reference", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("error", "text")
      // null: pulled and read; `matches`: stored matches reused; `inventory`: stored inventory matched again
      .addColumn("from_cache", "text")
      .addColumn("duration_ms", "double precision")
      .addPrimaryKeyConstraint("scan_images_pk", ["scan_id", "digest"])
      .execute();

    await db.schema
      .createTable("images")
      .addColumn("digest", key, (c) => c.notNull())
      // `os/arch[/variant]` (formatPlatform)
      .addColumn("platform", key, (c) => c.notNull())
      .addColumn("reference", "text", (c) => c.notNull())
      .addColumn("manifest_digest", key, (c) => c.notNull())
      .addColumn("image_json", "text")
      .addColumn("os_json", "text")
      .addColumn("inventory_json", "text", (c) => c.notNull())
      .addColumn("inventory_key", key, (c) => c.notNull())
      .addColumn("matched_with", key)
      .addColumn("matches_json", "text")
      .addColumn("scanned_at", "text", (c) => c.notNull())
      .addColumn("matched_at", "text")
      .addPrimaryKeyConstraint("images_pk", ["digest", "platform"])
      .execute();
    await db.schema.createIndex("images_matched_with_idx").on("images").column("matched_with").execute();

    await db.schema
      .createTable("image_packages")
      .addColumn("digest", key, (c) => c.notNull())
      .addColumn("platform", key, (c) => c.notNull())
      // the advisory ecosystem base (`Debian`, `PyPI`) and the name as affected_package keys it
      .addColumn("ecosystem", key, (c) => c.notNull())
      .addColumn("name", key, (c) => c.notNull())
      .addPrimaryKeyConstraint("image_packages_pk", ["digest", "platform", "ecosystem", "name"])
      .addForeignKeyConstraint(
        "image_packages_image_fk",
        ["digest", "platform"],
        "images",
        ["digest", "platform"],
        (fk) => fk.onDelete("cascade"),
      )
      .execute();
    await db.schema
      .createIndex("image_packages_lookup_idx")
      .on("image_packages")
      .columns(["ecosystem", "name"])
      .execute();

    await db.schema
      .createTable("workload_containers")
      .addColumn("cluster_id", key, (c) => c.notNull().references("clusters.id").onDelete("cascade"))
      .addColumn("namespace", key, (c) => c.notNull())
      .addColumn("workload_kind", key, (c) => c.notNull())
      .addColumn("workload_name", key, (c) => c.notNull())
      .addColumn("container_name", key, (c) => c.notNull())
      .addColumn("digest", key, (c) => c.notNull())
      .addColumn("image", "text", (c) => c.notNull())
      .addColumn("running_since", key)
      .addColumn("last_seen_at", key, (c) => c.notNull())
      .addPrimaryKeyConstraint("workload_containers_pk", [
        "cluster_id",
        "namespace",
        "workload_kind",
        "workload_name",
        "container_name",
      ])
      .execute();
    await db.schema
      .createIndex("workload_containers_digest_idx")
      .on("workload_containers")
      .column("digest")
      .execute();

    // Findings are not tied to clusters by a foreign key: development findings (CI) have none,
    // and a removed cluster's findings stay until they are cleaned up on purpose.
    await db.schema
      .createTable("findings")
      .addColumn("id", key, (c) => c.primaryKey())
      .addColumn("report_type", "text", (c) => c.notNull())
      .addColumn("cluster_id", key, (c) => c.notNull())
      .addColumn("namespace", key, (c) => c.notNull())
      .addColumn("workload_kind", key, (c) => c.notNull())
      .addColumn("workload_name", key, (c) => c.notNull())
      .addColumn("container_name", key, (c) => c.notNull())
      .addColumn("package_name", key, (c) => c.notNull())
      .addColumn("advisory_id", key, (c) => c.notNull())
      // '' for operational findings: part of the identity, and NULLs never collide in a unique index
      .addColumn("project", key, (c) => c.notNull())
      .addColumn("branch", key, (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("dismissal_reason", "text")
      .addColumn("dismissal_comment", "text")
      .addColumn("severity", "text", (c) => c.notNull())
      // SEVERITY_LEVELS index (unknown 0 … critical 5): what "sort by severity" and its keyset compare
      .addColumn("severity_rank", "integer", (c) => c.notNull())
      .addColumn("severity_score", "double precision")
      .addColumn("kev", "integer", (c) => c.notNull())
      .addColumn("epss", "double precision")
      .addColumn("fixable", "integer", (c) => c.notNull())
      .addColumn("fixed_version", "text")
      .addColumn("installed_version", "text", (c) => c.notNull())
      .addColumn("package_type", "text", (c) => c.notNull())
      .addColumn("image_digest", key, (c) => c.notNull())
      .addColumn("image_reference", "text", (c) => c.notNull())
      .addColumn("details_json", "text", (c) => c.notNull())
      .addColumn("first_seen", key, (c) => c.notNull())
      .addColumn("last_seen", key, (c) => c.notNull())
      .addColumn("running_since", "text")
      .addColumn("resolved_at", "text")
      // 1: the latest covering complete scan did not detect it (kept on dismissed/resolved findings)
      .addColumn("no_longer_detected", "integer", (c) => c.notNull())
      .execute();
    // the identity (ARCHITECTURE.md section 5); it also serves "every finding of one cluster"
    await db.schema
      .createIndex("findings_identity_idx")
      .on("findings")
      .columns([
        "cluster_id",
        "namespace",
        "workload_kind",
        "workload_name",
        "container_name",
        "package_name",
        "advisory_id",
        "project",
        "branch",
      ])
      .unique()
      .execute();
    const findingIndexes: readonly (readonly [string, readonly string[]])[] = [
      ["findings_cluster_state_severity_idx", ["cluster_id", "state", "severity_rank"]],
      ["findings_namespace_idx", ["namespace"]],
      ["findings_advisory_idx", ["advisory_id"]],
      ["findings_package_idx", ["package_name"]],
      ["findings_last_seen_idx", ["last_seen"]],
      ["findings_image_idx", ["image_digest"]],
    ];
    for (const [name, columns] of findingIndexes) {
      await db.schema
        .createIndex(name)
        .on("findings")
        .columns([...columns])
        .execute();
    }

    await db.schema
      .createTable("finding_history")
      .$call((t) =>
        postgres
          ? t.addColumn("id", "serial", (c) => c.primaryKey())
          : t.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement()),
      )
      .addColumn("finding_id", key, (c) => c.notNull().references("findings.id").onDelete("cascade"))
      .addColumn("at", key, (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("from_state", "text")
      .addColumn("to_state", "text", (c) => c.notNull())
      .addColumn("reason", "text")
      .addColumn("comment", "text")
      .addColumn("scan_id", key, (c) => c.references("scans.id").onDelete("set null"))
      .execute();
    await db.schema
      .createIndex("finding_history_finding_idx")
      .on("finding_history")
      .columns(["finding_id", "at", "id"])
      .execute();
    await db.schema.createIndex("finding_history_scan_idx").on("finding_history").column("scan_id").execute();

    await db.schema
      .createTable("users")
      .addColumn("id", key, (c) => c.primaryKey())
      // stored lower-cased, so uniqueness is case-insensitive on both dialects
      .addColumn("email", key, (c) => c.notNull().unique())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      // null for users who sign in only through an identity provider
      .addColumn("password_hash", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("disabled_at", "text")
      .execute();

    await db.schema
      .createTable("api_tokens")
      .addColumn("id", key, (c) => c.primaryKey())
      .addColumn("user_id", key, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("token_hash", key, (c) => c.notNull().unique())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("last_used_at", "text")
      .addColumn("revoked_at", "text")
      .execute();
    await db.schema.createIndex("api_tokens_user_idx").on("api_tokens").column("user_id").execute();
  },

  // biome-ignore lint/suspicious/noExplicitAny: see up()
  async down(db: Kysely<any>) {
    for (const table of [
      "api_tokens",
      "users",
      "finding_history",
      "findings",
      "workload_containers",
      "image_packages",
      "images",
      "scan_images",
      "scans",
      "scan_policies",
      "agents",
      "clusters",
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
