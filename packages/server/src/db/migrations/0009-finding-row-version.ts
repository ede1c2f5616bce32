import type { Kysely, Migration } from "kysely";

/**
 * `findings.row_version`: increased by every write of a finding, so a write planned from an
 * older read can tell that the row changed under it (optimistic concurrency). A state change
 * made by hand and a scan's reconcile both read, decide, then write; without the check the
 * later write silently overwrote the earlier one (a dismissal lost to a scan that had read the
 * finding before it, or a resolution undone by a state change planned before the scan).
 */
export const findingRowVersionMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable("findings")
      .addColumn("row_version", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
  },

  // biome-ignore lint/suspicious/noExplicitAny: see up()
  async down(db: Kysely<any>) {
    await db.schema.alterTable("findings").dropColumn("row_version").execute();
  },
};
