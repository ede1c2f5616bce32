import { type Kysely, type Migration, sql } from "kysely";
import { dialectOf } from "../dialect.js";

/**
 * Notifications: webhooks (where events go, signed with their secret) and the outbox of their
 * deliveries (one row per event and webhook, sent and retried by the dispatcher). Column types
 * follow 0002: keys and compared times `text collate "C"` on PostgreSQL, JSON as text, flags 0/1.
 */
export const notificationsMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types
  async up(db: Kysely<any>) {
    const postgres = dialectOf(db) === "postgres";
    const key = postgres ? sql`text collate "C"` : sql`text`;

    await db.schema
      .createTable("webhooks")
      .addColumn("id", key, (c) => c.primaryKey())
      .addColumn("name", key, (c) => c.notNull().unique())
      .addColumn("url", "text", (c) => c.notNull())
      // the HMAC key: it must be kept as is to sign (see WebhookRepository)
      .addColumn("secret", "text", (c) => c.notNull())
      .addColumn("events_json", "text", (c) => c.notNull())
      .addColumn("min_severity", "text", (c) => c.notNull())
      .addColumn("format", "text", (c) => c.notNull())
      .addColumn("enabled", "integer", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("webhook_deliveries")
      .addColumn("id", key, (c) => c.primaryKey())
      .addColumn("webhook_id", key, (c) => c.notNull().references("webhooks.id").onDelete("cascade"))
      .addColumn("event_id", key, (c) => c.notNull())
      .addColumn("event_type", "text", (c) => c.notNull())
      // the body exactly as sent (signed at each attempt with the attempt's time)
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull())
      .addColumn("next_attempt_at", key, (c) => c.notNull())
      .addColumn("last_status", "integer")
      .addColumn("last_error", "text")
      .addColumn("created_at", key, (c) => c.notNull())
      .addColumn("delivered_at", "text")
      .execute();
    // the dispatcher's question: which pending deliveries are due
    await db.schema
      .createIndex("webhook_deliveries_due_idx")
      .on("webhook_deliveries")
      .columns(["state", "next_attempt_at"])
      .execute();
    // one webhook's delivery log, newest first
    await db.schema
      .createIndex("webhook_deliveries_log_idx")
      .on("webhook_deliveries")
      .columns(["webhook_id", "created_at", "id"])
      .execute();
    // one event is written once per webhook (an outbox write repeated after a crash adds nothing)
    await db.schema
      .createIndex("webhook_deliveries_event_idx")
      .on("webhook_deliveries")
      .columns(["webhook_id", "event_id"])
      .unique()
      .execute();
  },

  // biome-ignore lint/suspicious/noExplicitAny: see up()
  async down(db: Kysely<any>) {
    await db.schema.dropTable("webhook_deliveries").ifExists().execute();
    await db.schema.dropTable("webhooks").ifExists().execute();
  },
};
