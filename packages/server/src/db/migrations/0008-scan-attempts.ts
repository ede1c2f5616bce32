import type { Kysely, Migration } from "kysely";

/**
 * `scans.attempt`: how many times a worker has started the scan. With `vigil worker`s a job
 * whose worker died is retried and the retry takes over the same scan row; the counter lets
 * every write of an attempt check that no later attempt has taken the scan from it, so a
 * worker that was only slow (not dead) never finishes or reconciles a scan that another runs.
 */
export const scanAttemptsMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable("scans")
      .addColumn("attempt", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
  },

  // biome-ignore lint/suspicious/noExplicitAny: see up()
  async down(db: Kysely<any>) {
    await db.schema.alterTable("scans").dropColumn("attempt").execute();
  },
};
