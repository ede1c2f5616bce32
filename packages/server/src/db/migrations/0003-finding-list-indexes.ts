import type { Kysely, Migration } from "kysely";

/**
 * Indexes in the order of the findings list's default sort (severity, then last seen, then id:
 * `FINDING_SORT_KEYS.severity`), so a page is an index range walk that stops after `limit`
 * rows instead of sorting every finding the filter covers (scripts/bench/findings-query.mjs:
 * at 1,000,000 findings the state, fixable and KEV lists, and one cluster's list with its
 * following pages, sorted 10,000 to 500,000 rows per page without them).
 *
 * - `findings_severity_order_idx`: lists across clusters whose filter has no indexed equality
 *   (state, fixable, KEV): walked in order, the filter checked per row.
 * - `findings_cluster_severity_order_idx`: one cluster's list and its cursor pages.
 */
export const findingListIndexesMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex("findings_severity_order_idx")
      .on("findings")
      .columns(["severity_rank", "last_seen", "id"])
      .execute();
    await db.schema
      .createIndex("findings_cluster_severity_order_idx")
      .on("findings")
      .columns(["cluster_id", "severity_rank", "last_seen", "id"])
      .execute();
  },

  // biome-ignore lint/suspicious/noExplicitAny: see up()
  async down(db: Kysely<any>) {
    await db.schema.dropIndex("findings_cluster_severity_order_idx").ifExists().execute();
    await db.schema.dropIndex("findings_severity_order_idx").ifExists().execute();
  },
};
