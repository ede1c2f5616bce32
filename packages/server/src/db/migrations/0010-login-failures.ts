import type { Kysely, Migration } from "kysely";

/**
 * `login_failures`: failed sign-ins per limited key (a hashed email or client address), so
 * that every server sharing the database counts the same failures: behind a load balancer an
 * attacker no longer gets the limit once per server process.
 */
export const loginFailuresMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("login_failures")
      // SHA-256 of the key: failed sign-ins hold mistyped emails (or passwords typed there)
      .addColumn("key_hash", "text", (c) => c.notNull())
      .addColumn("at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("login_failures_key_at_idx")
      .on("login_failures")
      .columns(["key_hash", "at"])
      .execute();
    await db.schema.createIndex("login_failures_at_idx").on("login_failures").column("at").execute();
  },

  // biome-ignore lint/suspicious/noExplicitAny: see up()
  async down(db: Kysely<any>) {
    await db.schema.dropTable("login_failures").ifExists().execute();
  },
};
