import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { type Logger, pino } from "pino";
import type { VigilSchema } from "../db/schema.js";
import {
  createWebhookDeliveryRepository,
  type DeliveryRecord,
  type NewDelivery,
} from "../store/webhook-delivery-repository.js";
import { createWebhookRepository, type WebhookRecord } from "../store/webhook-repository.js";
import { eventsOfRematch, eventsOfScan } from "./event-builders.js";
import type { NotificationEvent } from "./notification-event.js";
import { payloadForWebhook } from "./payload-for-webhook.js";
import type { ScanEventSink } from "./scan-event-sink.js";

/** Options of {@link createNotificationOutbox}. */
export interface NotificationOutboxOptions {
  readonly database: { readonly db: Kysely<VigilSchema> };
  readonly clock?: { now(): Date };
  /** Event and delivery ids; default random UUIDs. */
  readonly newId?: () => string;
  readonly logger?: Logger;
  /** Called after deliveries were written (the dispatcher's `wake`). */
  readonly written?: () => void;
}

/** Writes events into the webhook outbox; the dispatcher sends them. */
export interface NotificationOutbox extends ScanEventSink {
  /** Writes one delivery per subscribed, enabled webhook that the event concerns; returns them. */
  publish(events: readonly NotificationEvent[]): Promise<DeliveryRecord[]>;
  /** Writes a `ping` for one webhook, whatever it subscribes to (`POST /webhooks/:id/test`). */
  ping(webhook: WebhookRecord): Promise<DeliveryRecord>;
  /** Resolves when the background writes of `scanFinished` and `rematched` so far are done. */
  flushed(): Promise<void>;
}

/**
 * The outbox half of notifications: events become `webhook_deliveries` rows in the database,
 * rendered per webhook (its format, its minimum severity) when written, so what is retried
 * later is exactly what was first sent, and a restart loses nothing written.
 *
 * The scan runtime calls `scanFinished` / `rematched` after its transactions committed (a
 * rolled-back write never reaches here); those write in the background and log a failure
 * (the scan's results stand either way). Events are computed from what the reconcile wrote
 * (`FindingNotice`s), never re-derived from the findings table.
 */
export function createNotificationOutbox(options: NotificationOutboxOptions): NotificationOutbox {
  const webhooks = createWebhookRepository(options.database.db);
  const deliveries = createWebhookDeliveryRepository(options.database.db);
  const clock = options.clock ?? { now: () => new Date() };
  const newId = options.newId ?? randomUUID;
  const logger = options.logger ?? pino({ name: "vigil-notifications" });
  const background = new Set<Promise<unknown>>();

  async function publish(events: readonly NotificationEvent[]): Promise<DeliveryRecord[]> {
    const rows: NewDelivery[] = [];
    const createdAt = clock.now().toISOString();
    for (const event of events) {
      if (event.type === "ping") continue;
      for (const webhook of await webhooks.listSubscribed(event.type)) {
        const payload = payloadForWebhook(event, webhook);
        if (payload === undefined) continue;
        rows.push({
          id: newId(),
          webhookId: webhook.id,
          eventId: event.id,
          eventType: event.type,
          payload,
          createdAt,
          nextAttemptAt: createdAt,
        });
      }
    }
    return write(rows);
  }

  async function write(rows: readonly NewDelivery[]): Promise<DeliveryRecord[]> {
    if (rows.length === 0) return [];
    await deliveries.add(rows);
    options.written?.();
    const stored = await Promise.all(rows.map((row) => deliveries.get(row.id)));
    return stored.filter((d): d is DeliveryRecord => d !== undefined);
  }

  function inBackground(what: string, events: () => NotificationEvent[]): void {
    const work = (async () => {
      const built = events();
      if (built.length === 0) return;
      const written = await publish(built);
      logger.debug(
        { events: built.map((e) => e.type), deliveries: written.length },
        `${what}: notifications queued`,
      );
    })().catch((error: unknown) =>
      logger.error({ err: error }, `${what}: could not queue its notifications`),
    );
    background.add(work);
    void work.finally(() => background.delete(work));
  }

  const stamp = () => ({ newId, at: clock.now().toISOString() });
  return {
    publish,
    async ping(webhook) {
      const at = clock.now().toISOString();
      const event: NotificationEvent = { type: "ping", id: newId(), at, webhookId: webhook.id };
      const payload = payloadForWebhook(event, webhook)!;
      const [delivery] = await write([
        {
          id: newId(),
          webhookId: webhook.id,
          eventId: event.id,
          eventType: "ping",
          payload,
          createdAt: at,
          nextAttemptAt: at,
        },
      ]);
      return delivery!;
    },
    scanFinished(scan) {
      inBackground(`scan ${scan.scanId}`, () => eventsOfScan(scan, stamp()));
    },
    rematched(rematch) {
      inBackground("advisory update", () => eventsOfRematch(rematch, stamp()));
    },
    async flushed() {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
}
