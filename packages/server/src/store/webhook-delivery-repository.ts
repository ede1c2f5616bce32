import type { Kysely, Selectable } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import { orNull, present } from "./column-values.js";
import { keysetPage, newestFirst, type Page } from "./keyset.js";
import { notificationDb, type WebhookDeliveriesTable } from "./notification-schema.js";

/** Where a delivery stands: waiting for its (next) attempt, received, or given up. */
export type DeliveryState = "pending" | "delivered" | "failed";

/** One event for one webhook, as stored: the outbox row and the delivery log in one. */
export interface DeliveryRecord {
  readonly id: string;
  readonly webhookId: string;
  readonly eventId: string;
  /** A `NotificationEventType`, or `ping`. */
  readonly eventType: string;
  /** The body as sent. */
  readonly payload: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  /** When a pending delivery is sent (next); kept as it was once the delivery ended. */
  readonly nextAttemptAt: string;
  readonly lastStatus?: number;
  readonly lastError?: string;
  readonly createdAt: string;
  readonly deliveredAt?: string;
}

/** A new delivery (pending, no attempt yet). */
export type NewDelivery = Pick<
  DeliveryRecord,
  "id" | "webhookId" | "eventId" | "eventType" | "payload" | "createdAt" | "nextAttemptAt"
>;

/** A due delivery the dispatcher took, with what it needs to send it. */
export interface ClaimedDelivery {
  readonly delivery: DeliveryRecord;
  readonly url: string;
  readonly secret: string;
}

/** What one attempt ended with. */
export interface DeliveryAttempt {
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastStatus?: number;
  readonly lastError?: string;
  readonly deliveredAt?: string;
}

/** The webhook outbox. */
export interface WebhookDeliveryRepository {
  /**
   * Stores new deliveries in one transaction; one that exists already for the same webhook and
   * event is left as it is (writing an event's deliveries again adds nothing). Returns how many
   * were added.
   */
  add(deliveries: readonly NewDelivery[]): Promise<number>;
  get(id: string): Promise<DeliveryRecord | undefined>;
  /**
   * Takes up to `limit` pending deliveries due at `now`, of enabled webhooks not in
   * `busyWebhooks`, oldest due first, at most one per webhook, by moving their next attempt to
   * `leaseUntil` (a conditional update: of two processes, one takes a delivery). A process that
   * dies while sending leaves the delivery due again when the lease ends.
   */
  claimDue(options: {
    readonly now: string;
    readonly leaseUntil: string;
    readonly limit: number;
    readonly busyWebhooks?: readonly string[];
  }): Promise<ClaimedDelivery[]>;
  /** Records an attempt's outcome. */
  recordAttempt(id: string, attempt: DeliveryAttempt): Promise<void>;
  /** A claimed delivery not sent after all (the server stopped): due again at `nextAttemptAt`. */
  release(id: string, nextAttemptAt: string): Promise<void>;
  /**
   * Deletes the log of finished deliveries (delivered or failed) created before `before`;
   * pending ones stay whatever their age. Returns how many were deleted.
   */
  pruneFinished(before: string): Promise<number>;
  /** The earliest next attempt of a pending delivery of an enabled webhook, if any. */
  nextDueAt(): Promise<string | undefined>;
  /** One webhook's deliveries, newest first, a page at a time. */
  listByWebhook(
    webhookId: string,
    options?: { readonly limit?: number; readonly cursor?: string },
  ): Promise<Page<DeliveryRecord>>;
}

const LOG_ORDER = newestFirst("webhook-deliveries:created_at-desc");

/** The webhook delivery repository over Vigil's database. */
export function createWebhookDeliveryRepository(database: Kysely<VigilSchema>): WebhookDeliveryRepository {
  const db = notificationDb(database);
  return {
    async add(deliveries) {
      if (deliveries.length === 0) return 0;
      // all or nothing: a write that fails half-way leaves no event sent to some webhooks only
      return db.transaction().execute(async (trx) => {
        let added = 0;
        for (const d of deliveries) {
          const result = await trx
            .insertInto("webhook_deliveries")
            .values({
              id: d.id,
              webhook_id: d.webhookId,
              event_id: d.eventId,
              event_type: d.eventType,
              payload: d.payload,
              state: "pending",
              attempts: 0,
              next_attempt_at: d.nextAttemptAt,
              last_status: null,
              last_error: null,
              created_at: d.createdAt,
              delivered_at: null,
            })
            .onConflict((oc) => oc.columns(["webhook_id", "event_id"]).doNothing())
            .executeTakeFirst();
          added += Number(result.numInsertedOrUpdatedRows ?? 0n);
        }
        return added;
      });
    },
    async get(id) {
      const row = await db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row ? toDelivery(row) : undefined;
    },
    async claimDue(options) {
      if (options.limit <= 0) return [];
      let query = db
        .selectFrom("webhook_deliveries as d")
        .innerJoin("webhooks as w", "w.id", "d.webhook_id")
        .selectAll("d")
        .select(["w.url", "w.secret"])
        .where("d.state", "=", "pending")
        .where("d.next_attempt_at", "<=", options.now)
        .where("w.enabled", "=", 1);
      if (options.busyWebhooks?.length) query = query.where("d.webhook_id", "not in", options.busyWebhooks);
      // a few times the limit: several due rows of one webhook count once
      const rows = await query
        .orderBy("d.next_attempt_at")
        .orderBy("d.id")
        .limit(options.limit * 4)
        .execute();
      const claimed: ClaimedDelivery[] = [];
      const webhooks = new Set<string>();
      for (const row of rows) {
        if (claimed.length >= options.limit) break;
        if (webhooks.has(row.webhook_id)) continue;
        const result = await db
          .updateTable("webhook_deliveries")
          .set({ next_attempt_at: options.leaseUntil })
          .where("id", "=", row.id)
          .where("state", "=", "pending")
          .where("next_attempt_at", "=", row.next_attempt_at)
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) continue;
        webhooks.add(row.webhook_id);
        const { url, secret, ...delivery } = row;
        claimed.push({
          delivery: toDelivery({ ...delivery, next_attempt_at: options.leaseUntil }),
          url,
          secret,
        });
      }
      return claimed;
    },
    async recordAttempt(id, attempt) {
      await db
        .updateTable("webhook_deliveries")
        .set({
          state: attempt.state,
          attempts: attempt.attempts,
          next_attempt_at: attempt.nextAttemptAt,
          last_status: orNull(attempt.lastStatus),
          last_error: orNull(attempt.lastError),
          delivered_at: orNull(attempt.deliveredAt),
        })
        .where("id", "=", id)
        .execute();
    },
    async release(id, nextAttemptAt) {
      await db
        .updateTable("webhook_deliveries")
        .set({ next_attempt_at: nextAttemptAt })
        .where("id", "=", id)
        .where("state", "=", "pending")
        .execute();
    },
    async pruneFinished(before) {
      const result = await db
        .deleteFrom("webhook_deliveries")
        .where("state", "in", ["delivered", "failed"])
        .where("created_at", "<", before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async nextDueAt() {
      const row = await db
        .selectFrom("webhook_deliveries as d")
        .innerJoin("webhooks as w", "w.id", "d.webhook_id")
        .select((eb) => eb.fn.min("d.next_attempt_at").as("due"))
        .where("d.state", "=", "pending")
        .where("w.enabled", "=", 1)
        .executeTakeFirst();
      return row?.due ?? undefined;
    },
    async listByWebhook(webhookId, options = {}) {
      const query = db.selectFrom("webhook_deliveries").selectAll().where("webhook_id", "=", webhookId);
      return keysetPage(query, LOG_ORDER, options, toDelivery);
    },
  };
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>): DeliveryRecord {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    eventType: row.event_type,
    payload: row.payload,
    state: row.state as DeliveryState,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    ...present("lastStatus", row.last_status),
    ...present("lastError", row.last_error),
    createdAt: row.created_at,
    ...present("deliveredAt", row.delivered_at),
  };
}
