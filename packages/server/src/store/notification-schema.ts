/**
 * Kysely table types of the notifications (migration `0007-notifications`), with the
 * conventions of `store-schema.ts`.
 */
import type { Kysely } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import type { StoreSchema } from "./store-schema.js";

/** Where events are sent. */
export interface WebhooksTable {
  id: string;
  name: string;
  url: string;
  /** The HMAC-SHA256 key deliveries are signed with; never returned by the API after creation. */
  secret: string;
  /** JSON array of `NotificationEventType`s. */
  events_json: string;
  /** A `SeverityLevel`: the least severity `findings.new` and `advisory.affects` report. */
  min_severity: string;
  /** `generic` or `slack`. */
  format: string;
  enabled: number;
  created_at: string;
  updated_at: string;
}

/** One event for one webhook: the outbox row the dispatcher sends and retries. */
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  payload: string;
  /** `pending`, `delivered` or `failed`. */
  state: string;
  attempts: number;
  next_attempt_at: string;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** The tables of migration 0007. */
export interface NotificationSchema {
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

/** The database with the notification tables (and the store's, which events read). */
export type NotificationDb = Kysely<VigilSchema & StoreSchema & NotificationSchema>;

/** The notification repositories' view of the database `createDatabase` opened. Same connection. */
export function notificationDb(db: Kysely<VigilSchema>): NotificationDb {
  return db.withTables<{
    [T in keyof (StoreSchema & NotificationSchema)]: (StoreSchema & NotificationSchema)[T];
  }>();
}
