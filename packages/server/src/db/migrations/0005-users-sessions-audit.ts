import { type Kysely, type Migration, sql } from "kysely";
import { dialectOf } from "../dialect.js";

/**
 * Sign-in sessions and the audit log (the users and API tokens they belong to came with 0002).
 *
 * - `sessions`: keyed by the SHA-256 of the session id (the cookie's value is never stored, so
 *   a read of the database signs nobody in), with the CSRF token the session's writes carry,
 *   and the idle and absolute expiry checked on every request.
 * - `audit_events`: every write, allowed or refused: who (kind, id, name), what (method, route
 *   pattern, path), when, the status and outcome. Paged newest first by its increasing id.
 */
export const usersSessionsAuditMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types
  async up(db: Kysely<any>) {
    const postgres = dialectOf(db) === "postgres";
    const key = postgres ? sql`text collate "C"` : sql`text`;

    await db.schema
      .createTable("sessions")
      .addColumn("id_hash", key, (c) => c.primaryKey())
      .addColumn("user_id", key, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("csrf_token", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("last_seen_at", "text", (c) => c.notNull())
      .addColumn("expires_at", key, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();

    await db.schema
      .createTable("audit_events")
      .$call((t) =>
        postgres
          ? t.addColumn("id", "serial", (c) => c.primaryKey())
          : t.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement()),
      )
      .addColumn("at", "text", (c) => c.notNull())
      // `user`, `agent` or `anonymous`
      .addColumn("actor_kind", "text", (c) => c.notNull())
      .addColumn("actor_id", "text")
      .addColumn("actor_name", "text")
      .addColumn("method", "text", (c) => c.notNull())
      .addColumn("route", "text", (c) => c.notNull())
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("status", "integer", (c) => c.notNull())
      // `allowed` (2xx/3xx), `denied` (401/403/429), `failed` (any other error)
      .addColumn("outcome", "text", (c) => c.notNull())
      .addColumn("details_json", "text")
      .execute();
  },

  // biome-ignore lint/suspicious/noExplicitAny: see up()
  async down(db: Kysely<any>) {
    await db.schema.dropTable("audit_events").ifExists().execute();
    await db.schema.dropTable("sessions").ifExists().execute();
  },
};
