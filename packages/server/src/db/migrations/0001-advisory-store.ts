import { type Kysely, type Migration, sql } from "kysely";
import { dialectOf } from "../dialect.js";

/**
 * The advisory side: advisories with aliases and affected packages, KEV and EPSS per CVE,
 * and each source's sync state. Deleting an advisory cascades to its aliases and entries.
 */
export const advisoryStoreMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types
  async up(db: Kysely<any>) {
    // Identifier columns compare byte-wise on both dialects: PostgreSQL's default collation
    // follows the locale, SQLite's is BINARY. "C" makes ORDER BY and keyset pages (export)
    // agree across dialects, and keeps btree comparisons cheap.
    const key = dialectOf(db) === "postgres" ? sql`text collate "C"` : sql`text`;

    await db.schema
      .createTable("advisory")
      .addColumn("id", key, (c) => c.primaryKey())
      .addColumn("source", key, (c) => c.notNull())
      .addColumn("modified", "text", (c) => c.notNull())
      .addColumn("published", "text")
      .addColumn("withdrawn", "text")
      .addColumn("summary", "text")
      .addColumn("severity_level", "text", (c) => c.notNull())
      .addColumn("severity_source", "text", (c) => c.notNull())
      .addColumn("severity_score", "double precision")
      .addColumn("severity_vector", "text")
      .addColumn("severity_raw", "text")
      .addColumn("record_json", "text", (c) => c.notNull())
      .addColumn("upstream_url", "text")
      .addColumn("fetched_at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("advisory_source_idx").on("advisory").column("source").execute();

    await db.schema
      .createTable("advisory_alias")
      .addColumn("advisory_id", key, (c) => c.notNull().references("advisory.id").onDelete("cascade"))
      .addColumn("alias", key, (c) => c.notNull())
      .addPrimaryKeyConstraint("advisory_alias_pk", ["advisory_id", "alias"])
      .execute();
    await db.schema.createIndex("advisory_alias_alias_idx").on("advisory_alias").column("alias").execute();

    await db.schema
      .createTable("affected_package")
      .addColumn("advisory_id", key, (c) => c.notNull().references("advisory.id").onDelete("cascade"))
      .addColumn("ordinal", "integer", (c) => c.notNull())
      .addColumn("ecosystem", "text", (c) => c.notNull())
      .addColumn("ecosystem_base", key, (c) => c.notNull())
      .addColumn("ecosystem_release", "text")
      .addColumn("package_name", key, (c) => c.notNull())
      .addColumn("affected_json", "text", (c) => c.notNull())
      // (advisory_id, ordinal) also serves the cascade: deleting an advisory finds its rows by index
      .addPrimaryKeyConstraint("affected_package_pk", ["advisory_id", "ordinal"])
      .execute();
    await db.schema
      .createIndex("affected_package_lookup_idx")
      .on("affected_package")
      .columns(["ecosystem_base", "package_name"])
      .execute();

    await db.schema
      .createTable("cve_kev")
      .addColumn("cve", key, (c) => c.primaryKey())
      .addColumn("source", key, (c) => c.notNull())
      .addColumn("date_added", "text", (c) => c.notNull())
      .addColumn("due_date", "text")
      .addColumn("ransomware", "integer")
      .execute();
    await db.schema.createIndex("cve_kev_source_idx").on("cve_kev").column("source").execute();

    await db.schema
      .createTable("cve_epss")
      .addColumn("cve", key, (c) => c.primaryKey())
      .addColumn("source", key, (c) => c.notNull())
      .addColumn("score", "double precision", (c) => c.notNull())
      .addColumn("percentile", "double precision", (c) => c.notNull())
      .addColumn("date", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("cve_epss_source_idx").on("cve_epss").column("source").execute();

    await db.schema
      .createTable("advisory_source_state")
      .addColumn("name", key, (c) => c.primaryKey())
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("cursor", "text")
      .addColumn("last_sync_at", "text")
      .addColumn("last_success_at", "text")
      .addColumn("records", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("last_error", "text")
      .execute();
  },

  // biome-ignore lint/suspicious/noExplicitAny: see up()
  async down(db: Kysely<any>) {
    for (const table of [
      "advisory_source_state",
      "cve_epss",
      "cve_kev",
      "affected_package",
      "advisory_alias",
      "advisory",
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
