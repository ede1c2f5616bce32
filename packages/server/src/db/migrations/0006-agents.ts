import type { Kysely, Migration } from "kysely";

/**
 * What an in-cluster agent does, per agent: `mode` `scan` (it pulls and reads the images in
 * the cluster and sends inventories) or `discover` (it sends the running containers and the
 * pull-secret credentials they need, and the server scans centrally), and the namespaces it
 * covers when a scan names none (`[]`: every namespace). Defaults keep the agents of 0002 as
 * they were: scanning every namespace.
 */
export const agentsMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable("agents")
      .addColumn("mode", "text", (c) => c.notNull().defaultTo("scan"))
      .execute();
    await db.schema
      .alterTable("agents")
      .addColumn("namespaces_json", "text", (c) => c.notNull().defaultTo("[]"))
      .execute();
  },

  // biome-ignore lint/suspicious/noExplicitAny: see up()
  async down(db: Kysely<any>) {
    await db.schema.alterTable("agents").dropColumn("namespaces_json").execute();
    await db.schema.alterTable("agents").dropColumn("mode").execute();
  },
};
