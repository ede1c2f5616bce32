import { type Kysely, type Migration, sql } from "kysely";
import { dialectOf } from "../dialect.js";

/**
 * `finding_open_counts`: how many open (detected or confirmed) operational findings each
 * cluster had of each severity, and how many of those have a fixed version, at the end of
 * each UTC day a write changed them. The findings
 * trend reads it: a day without a row carries the cluster's last known count forward, so the
 * table grows by the days findings change, not by every day. Counting the findings table per
 * day instead would need their whole history replayed.
 *
 * Backfilled with today's counts from the findings as they are, so an install that updates
 * starts its trend with a point.
 */
export const findingOpenCountsMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types
  async up(db: Kysely<any>) {
    const key = dialectOf(db) === "postgres" ? sql`text collate "C"` : sql`text`;
    await db.schema
      .createTable("finding_open_counts")
      .addColumn("cluster_id", key, (c) => c.notNull())
      // a SeverityLevel
      .addColumn("severity", key, (c) => c.notNull())
      // YYYY-MM-DD, UTC
      .addColumn("day", key, (c) => c.notNull())
      .addColumn("open_count", "integer", (c) => c.notNull())
      .addColumn("fixable_count", "integer", (c) => c.notNull().defaultTo(0))
      // a (cluster, severity)'s days in order: its last count at or before a day is one probe
      .addPrimaryKeyConstraint("finding_open_counts_pk", ["cluster_id", "severity", "day"])
      .execute();
    // the trend's days of every cluster
    await db.schema
      .createIndex("finding_open_counts_day_idx")
      .on("finding_open_counts")
      .column("day")
      .execute();

    const today = new Date().toISOString().slice(0, 10);
    await sql`
      insert into finding_open_counts (cluster_id, severity, day, open_count, fixable_count)
      select cluster_id, severity, ${today}, count(*), sum(fixable)
      from findings
      where report_type = 'operational' and state in ('detected', 'confirmed')
      group by cluster_id, severity
    `.execute(db);
  },

  // biome-ignore lint/suspicious/noExplicitAny: see up()
  async down(db: Kysely<any>) {
    await db.schema.dropTable("finding_open_counts").ifExists().execute();
  },
};
